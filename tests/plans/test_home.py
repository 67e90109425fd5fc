from django.urls import reverse


def test_home_lists_pillars_and_measures(client, seed_plan):
    response = client.get(reverse("public:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "令和5年度〜令和8年度" in html
    for pillar in seed_plan.pillars.all():
        assert pillar.aim in html
    for measure in seed_plan.measures.all():
        assert measure.full_title in html
    assert "健康こども部こども発達支援課" in html


def test_home_without_any_plan_says_so(client, db):
    response = client.get(reverse("public:home"))
    assert response.status_code == 404
