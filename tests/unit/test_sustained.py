"""Sustained destinations as the DfE defines them, rule by rule, and their use in the
report: only actual destinations are judged; intended ones are never called sustained."""

from __future__ import annotations

from datetime import date

from destsync.domain import sustained
from destsync.domain.report import (
    INTENDED_GROUPS,
    NOT_YET_SUSTAINED,
    build_tables,
    measure_group,
    measured_year,
    verdict,
)
from destsync.domain.sustained import (
    NOT_SUSTAINED,
    NOT_YET_KNOWN,
    SUSTAINED,
    add_months,
    apprenticeship_sustained,
    education_sustained,
    employment_sustained,
    judge,
)

L = 2026  # the leaving year; the first measured year runs August 2026 to July 2027


def span(start: date, months: int) -> tuple[date, date]:
    return start, add_months(start, months)


def test_add_months_clamps_the_day() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


def test_education_needs_every_month_october_to_march() -> None:
    assert education_sustained(*span(date(2026, 9, 15), 24), L)
    assert education_sustained(*span(date(2026, 10, 5), 6), L)  # starts in October
    # Left in February: five of the six months.
    assert not education_sustained(*span(date(2026, 9, 15), 5), L)
    # Started in November.
    assert not education_sustained(*span(date(2026, 11, 1), 12), L)


def test_employment_needs_five_of_the_six_months() -> None:
    assert employment_sustained(*span(date(2026, 9, 15), 5), L)  # left in February
    assert employment_sustained(*span(date(2026, 11, 1), 12), L)  # started in November
    assert not employment_sustained(*span(date(2026, 12, 1), 12), L)  # four months
    assert not employment_sustained(*span(date(2026, 9, 1), 3), L)  # left in November


def test_an_apprenticeship_needs_any_six_months_august_to_july() -> None:
    assert apprenticeship_sustained(*span(date(2027, 2, 1), 6), L)  # February to July
    assert apprenticeship_sustained(*span(date(2026, 8, 1), 6), L)  # the summer it began
    # Six months, but only five fall before the end of July.
    assert not apprenticeship_sustained(*span(date(2027, 3, 1), 6), L)
    assert not apprenticeship_sustained(*span(date(2026, 9, 1), 5), L)


def test_the_verdict_waits_for_the_period_and_for_the_evidence() -> None:
    edu = sustained.EDUCATION
    assert judge(edu, "2026-09-15", "24", L, date(2027, 3, 31)).status == NOT_YET_KNOWN
    done = judge(edu, "2026-09-15", "24", L, date(2027, 4, 1))
    assert done.status == SUSTAINED and "2026-09-15" in done.evidence
    assert judge(edu, "2026-09-15", "5", L, date(2027, 4, 1)).status == NOT_SUSTAINED
    assert judge(edu, "", "24", L, None) == sustained.Verdict(NOT_YET_KNOWN, "no start date")
    assert judge(edu, "2026-09-15", "", L, None).status == NOT_YET_KNOWN
    appr = sustained.APPRENTICESHIP
    assert judge(appr, "2027-02-01", "6", L, date(2027, 7, 31)).status == NOT_YET_KNOWN
    assert judge(appr, "2027-02-01", "6", L, date(2027, 8, 1)).status == SUSTAINED


def test_each_checkpoint_judges_its_own_year() -> None:
    assert [measured_year(c, L) for c in ("actual", "year1", "year2", "year3")] == [
        L, L, L + 1, L + 2]
    # Still on the course that began after leaving: judged for the year asked about.
    assert measured_year("year2", L, "2026-09-15") == L + 1
    # A follow-up reporting a course that starts next September: judged for that year.
    assert measured_year("year1", L, "2027-09-15") == L + 1
    assert measured_year("actual", L, "2027-09-15") == L  # the DfE's year, fixed


def leaver(**kw: str) -> dict[str, str]:
    return {"leaving_year": str(L), **kw}


def test_an_intended_destination_is_grouped_by_type_never_called_sustained() -> None:
    row = leaver(intended_destination="University", intended_start_date="2026-09-15",
                 intended_duration="36")
    assert measure_group(row, "intended") == "Education: higher education"
    assert verdict(row, "intended", None) is None
    assert not any("ustained" in g for g in INTENDED_GROUPS)
    rows = {"OAK": [leaver(intended_destination=d) for d in
                    ("University", "Apprenticeship", "Gap year", "College") * 5]}
    [t] = build_tables(rows)
    assert t.checkpoint == "intended" and t.groups == INTENDED_GROUPS
    assert not any("ustained" in g for g, _ in t.cells)
    assert t.cells[("Apprenticeship", "OAK")].count == 5


def test_an_actual_destination_is_sustained_only_when_its_dates_say_so() -> None:
    def actual(dest: str, start: str, months: str) -> dict[str, str]:
        return leaver(actual_destination=dest, actual_start_date=start,
                      actual_duration=months)

    rows = {"OAK": [actual("University", "2026-09-15", "36")] * 7
            + [actual("College", "2026-09-15", "5")] * 6  # left in February
            + [actual("Employment without training", "2026-11-01", "12")] * 6
            + [actual("Apprenticeship", "2027-02-01", "6")] * 6
            + [actual("Sixth form", "", "")] * 6  # no dates: cannot say
            + [actual("Gap year", "2026-09-01", "12")] * 6}
    [t] = build_tables(rows, today=date(2027, 9, 1))
    got = {g: t.cells[(g, "OAK")].count for g in t.groups if t.cells[(g, "OAK")].count}
    assert got == {
        "Sustained education: higher education": 7,
        "Sustained employment": 6,
        "Sustained apprenticeship": 6,
        "Not sustained": 12,  # left in February, and the gap year
        NOT_YET_SUSTAINED: 6,
    }
    assert t.known_share("OAK") == "100%"  # a destination with no dates is still known
    # Before the period is over, nothing is called sustained yet.
    [early] = build_tables(rows, today=date(2027, 1, 10))
    assert early.cells[(NOT_YET_SUSTAINED, "OAK")].count == 31
    assert early.cells[("Not sustained", "OAK")].count == 6  # the gap year


def test_a_follow_up_in_the_same_activity_is_evidence_of_staying() -> None:
    edu = sustained.EDUCATION
    # No expected duration, but the year-1 answer in May says they are still there.
    v = judge(edu, "2026-09-15", "", L, date(2027, 9, 1), still_there=date(2027, 5, 20))
    assert v.status == SUSTAINED and "still there on 2027-05-20" in v.evidence
    # A duration that ran out in February, extended by a later confirmation.
    assert judge(edu, "2026-09-15", "5", L, None, date(2027, 4, 2)).status == SUSTAINED
    # Confirmed in January only: short of March.
    assert judge(edu, "2026-09-15", "", L, None, date(2027, 1, 20)).status == NOT_SUSTAINED

    row = leaver(actual_destination="University", actual_start_date="2026-09-15",
                 year1_destination="University", year1_start_date="",
                 year1_updated="2027-05-20T10:00:00")
    assert verdict(row, "actual", date(2027, 9, 1)) == judge(
        edu, "2026-09-15", "", L, date(2027, 9, 1), date(2027, 5, 20),
        "the one year on answer")
    # A different activity a year on is no evidence for the first one.
    moved = {**row, "year1_destination": "Apprenticeship"}
    v = verdict(moved, "actual", date(2027, 9, 1))
    assert v is not None and v.status == NOT_YET_KNOWN
    # Nor is the same kind of course with another start date (a new course).
    restarted = {**row, "year1_start_date": "2027-09-15"}
    v = verdict(restarted, "actual", None)
    assert v is not None and v.status == NOT_YET_KNOWN
