from decimal import Decimal

from django.urls import reverse

from indicators.models import GradeBand


def test_the_formula_and_bands_are_shown_in_words(client, seed_plan):
    response = client.get(reverse("public:achievement", args=[seed_plan.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "達成率 ＝ 結果 ÷ 目標値 × 100" in html
    assert "（2 − 結果 ÷ 目標値）× 100" in html
    assert "<caption>達成率と評価の対応</caption>" in html
    assert '<th scope="row">概ね達成</th><td>80%以上100%未満</td>' in html
    assert '<th scope="row">未達成</th><td>80%未満</td>' in html
    for state in ("集計中", "未報告", "目標未設定", "対象外"):
        assert f"<dt>{state}</dt>" in html


def test_the_page_follows_the_plans_own_bands(client, seed_plan):
    GradeBand.objects.filter(plan=seed_plan).delete()
    for label, rate in [("S", 100), ("A", Decimal("90.5")), ("C", 0)]:
        GradeBand.objects.create(plan=seed_plan, label=label, min_rate=rate)
    html = client.get(reverse("public:achievement", args=[seed_plan.slug])).content.decode()
    assert '<th scope="row">A</th><td>90.5%以上100%未満</td>' in html
    assert '<th scope="row">C</th><td>90.5%未満</td>' in html
    assert "概ね達成" not in html


def test_reform_office_changes_bands_in_the_admin(admin_client, seed_plan):
    band = GradeBand.objects.get(plan=seed_plan, label="概ね達成")
    url = reverse("admin:indicators_gradeband_change", args=[band.pk])
    response = admin_client.post(url, {"plan": seed_plan.pk, "label": "概ね達成", "min_rate": "75"})
    assert response.status_code == 302
    band.refresh_from_db()
    assert band.min_rate == 75
    assert band.history.count() == 2
