"""A fiscal year has ended after its last day, 31 March (fiscal_years.has_ended, asked for every year
a page grades), and grading a plan at once grades each year as assess() alone does."""

import datetime

from core import fiscal_years


def test_a_fiscal_year_has_ended_after_its_31_march():
    day = datetime.date(2022, 1, 1)
    while day < datetime.date(2025, 12, 31):
        for fiscal_year in range(2020, 2026):
            assert fiscal_years.has_ended(fiscal_year, day) == (day > datetime.date(fiscal_year + 1, 3, 31)), (fiscal_year, day)
        day += datetime.timedelta(days=1)


def test_grading_a_plan_at_once_grades_each_year_as_assess_does(seed_plan):
    from indicators import achievement

    for today in (datetime.date(2023, 9, 1), datetime.date(2025, 4, 1), datetime.date(2027, 5, 1)):
        grading = achievement.grade_plan(seed_plan, today=today)
        assert grading.assessments
        for year in grading.years:
            found = grading.assessments[(year.indicator_id, year.fiscal_year)]
            alone = achievement.assess(year.indicator, year, bands=grading.bands, today=today,
                                       running_total=found.running_total)
            assert found == alone, (year.indicator, year.fiscal_year, today)
