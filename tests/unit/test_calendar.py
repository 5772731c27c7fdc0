from __future__ import annotations

from datetime import date

import pytest

from destsync.domain.calendar import (
    DEFAULT_CHECKPOINTS,
    AcademicCalendar,
    next_deadline,
    results_day,
)

CAL = AcademicCalendar({2026: date(2026, 9, 2)})


def test_week_two_of_the_autumn_term_ends_on_the_friday_of_the_following_week() -> None:
    assert CAL.autumn_week2_end(2026) == date(2026, 9, 11)  # term starts Wed 2 Sep
    assert CAL.autumn_week2_end(2025) == date(2025, 9, 12)  # rule: Mon 1 Sep 2025
    assert CAL.autumn_term_start(2024) == date(2024, 9, 2)  # 1 Sep 2024 is a Sunday


def test_the_default_deadlines_match_the_trust_framework() -> None:
    by_key = {cp.key: CAL.deadline(cp, 2026) for cp in DEFAULT_CHECKPOINTS
              if cp.point == "year13"}
    assert by_key == {
        "intended": date(2026, 9, 11),
        "actual_unvalidated": date(2026, 12, 31),
        "actual_validated": date(2027, 3, 31),
        "sustained_1": date(2027, 8, 31),
    }


def test_year_11_and_mid_year_leavers_have_their_own_default_deadlines() -> None:
    # The September Guarantee (an offer by the end of September after Year 11), the
    # local authority's 1 November activity survey, and mid-year leavers at the end of
    # the academic year they left in.
    by_key = {(cp.point, cp.key): (CAL.deadline(cp, 2026), cp.offer)
              for cp in DEFAULT_CHECKPOINTS if cp.point != "year13"}
    assert by_key == {
        ("year11", "y11_september_guarantee"): (date(2026, 9, 30), True),
        ("year11", "y11_activity"): (date(2026, 11, 1), False),
        ("midyear", "midyear_destination"): (date(2026, 8, 31), False),
    }


def test_a_mid_year_leaver_answering_after_leaving_gives_the_actual_destination() -> None:
    assert CAL.group_for(2026, date(2026, 3, 1)) == "intended"
    assert CAL.group_for(2026, date(2026, 3, 1), "2026-02-10") == "actual"
    assert CAL.group_for(2026, date(2026, 2, 1), "2026-02-10") == "intended"  # before


@pytest.mark.parametrize(
    ("submitted", "group"),
    [
        (date(2025, 11, 1), "intended"),
        (date(2026, 8, 13), "intended"),
        (date(2026, 9, 11), "intended"),
        (date(2026, 9, 12), "actual"),
        (date(2027, 3, 31), "actual"),
        (date(2027, 4, 1), "year1"),
        (date(2028, 6, 1), "year2"),
        (date(2029, 6, 1), "year3"),
        (date(2030, 4, 1), None),
    ],
)
def test_a_response_date_decides_the_destination_group(submitted: date, group: str) -> None:
    assert CAL.group_for(2026, submitted) == group


def test_results_day_is_the_thursday_in_mid_august() -> None:
    assert [results_day(y) for y in (2023, 2024, 2025, 2026)] == [
        date(2023, 8, 17),
        date(2024, 8, 15),
        date(2025, 8, 14),
        date(2026, 8, 13),
    ]


def test_the_next_deadline_is_the_soonest_over_all_cohorts() -> None:
    cp, year, when = next_deadline(CAL, DEFAULT_CHECKPOINTS, date(2026, 11, 22), {2025, 2026})  # type: ignore[misc]
    assert (cp.key, year, when) == ("actual_unvalidated", 2026, date(2026, 12, 31))
