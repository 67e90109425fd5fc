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


def test_home_counts_indicators_per_grade_for_every_fiscal_year_in_an_accessible_table(client, seed_plan):
    html = client.get(reverse("public:home")).content.decode()
    start = html.index('<table class="data-table summary-table year-summary-table">')
    table = html[start:html.index("</table>", start)]
    assert '<caption id="years-caption">年度別の達成状況（指標の数）</caption>' in table
    assert '<th scope="col">年度</th>' in table and '<th scope="col" class="num">計</th>' in table
    for label in ("令和5年度", "令和6年度", "令和7年度", "令和8年度"):
        assert f'<th scope="row">{label}' in table
    assert table.count('<tr class="is-focus">') == 1  # the headline year
    assert 'aria-labelledby="years-caption"' in html  # its scrolling region is named by the caption


def test_home_without_any_plan_says_so(client, db):
    response = client.get(reverse("public:home"))
    assert response.status_code == 404
