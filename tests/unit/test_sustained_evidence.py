"""Each leaver's sustained verdict and the evidence that decided it: Form A's start date
and duration, a later follow-up, the validated return, the local authority's data and a
person's "still there on D"; and the edge cases the DfE rules turn on."""

from __future__ import annotations

from datetime import date

from destsync.domain.calendar import AcademicCalendar
from destsync.domain.la_import import plan_la_import, read_table
from destsync.domain.model import COLUMN_BY_KEY, TrackerSnapshot
from destsync.domain.plan import after_rows
from destsync.domain.sustained import NOT_SUSTAINED, NOT_YET_KNOWN, SUSTAINED
from destsync.domain.sustained_status import status, student_rows

AFTER_MARCH = date(2027, 4, 1)
AFTER_JULY = date(2027, 8, 1)


def leaver(dest: str, start: str, months: str = "", **kw: str) -> dict[str, str]:
    return {"ref": "A1", "leaving_year": "2026", "actual_destination": dest,
            "actual_start_date": start, "actual_duration": months,
            "intended_destination": "University", **kw}


VALIDATED = {"validated": "Yes", "validated_by": "Staff", "validator": "Head of sixth form",
             "validated_on": "2027-03-31"}


def test_left_in_february_is_not_sustained_in_education_but_is_in_employment() -> None:
    college = status(leaver("College", "2026-09-10", "5"), "actual", AFTER_MARCH)
    assert college.status == NOT_SUSTAINED
    assert college.evidence == ("from 2026-09-10 for 5 months: short of all of October "
                                "to March")
    job = status(leaver("Employment with training", "2026-09-10", "5"), "actual",
                 AFTER_MARCH)
    assert job.status == SUSTAINED


def test_started_in_november() -> None:
    assert status(leaver("College", "2026-11-02", "12"), "actual",
                  AFTER_MARCH).status == NOT_SUSTAINED
    assert status(leaver("Employment with training", "2026-11-02", "12"), "actual",
                  AFTER_MARCH).status == SUSTAINED


def test_a_six_month_apprenticeship_in_the_summer() -> None:
    assert status(leaver("Apprenticeship", "2027-02-01", "6"), "actual",
                  AFTER_JULY).status == SUSTAINED
    late = status(leaver("Apprenticeship", "2027-03-01", "6"), "actual", AFTER_JULY)
    assert late.status == NOT_SUSTAINED  # only five of its months fall before August
    # Before the end of July nobody can say yet.
    assert status(leaver("Apprenticeship", "2027-02-01", "6"), "actual",
                  date(2027, 7, 1)).status == NOT_YET_KNOWN


def test_the_validated_return_is_evidence_of_staying() -> None:
    bare = leaver("University", "2026-09-20")
    assert status(bare, "actual", AFTER_MARCH).evidence == "no expected duration"
    v = status({**bare, **VALIDATED}, "actual", AFTER_MARCH)
    assert v.status == SUSTAINED
    assert "still there on 2027-03-31 (validated by Staff: Head of sixth form" in v.evidence
    # A "Yes" without who and when is no evidence.
    assert status({**bare, "validated": "Yes", "validated_on": "2027-03-31"}, "actual",
                  AFTER_MARCH).status == NOT_YET_KNOWN


def test_a_persons_still_there_on_date_is_evidence_for_the_current_activity() -> None:
    row = leaver("Employment with training", "2026-11-02", still_there_on="2027-03-15")
    v = status(row, "actual", AFTER_MARCH)
    assert (v.status, v.evidence) == (SUSTAINED, (
        "from 2026-11-02, still there on 2027-03-15 (confirmed by staff): 5 of the 6 "
        "months October to March"))
    # Once a later checkpoint holds the current activity, the date speaks for that one.
    moved = {**row, "year1_destination": "University", "year1_nccis": "240"}
    assert status(moved, "actual", AFTER_MARCH).status == NOT_YET_KNOWN


def test_the_local_authoritys_confirmation_decides_it() -> None:
    snap = TrackerSnapshot()
    snap.rows["A1"] = {**dict.fromkeys(COLUMN_BY_KEY, ""),
                       **leaver("University", "2026-09-20"), "actual_nccis": "240"}
    extract = read_table([["School reference", "Activity code", "Date confirmed"],
                          ["A1", "240", "2027-03-20"]], {}, "la.csv")
    plan = plan_la_import(snap, extract, AcademicCalendar({}), "2027-03-21T09:00")
    v = status(after_rows(snap, plan)["A1"], "actual", AFTER_MARCH)
    assert v.status == SUSTAINED and "validated by Local authority" in v.evidence


def test_the_list_judges_actual_destinations_only_and_never_intended_ones() -> None:
    rows = [leaver("University", "2026-09-20", "36"),
            {**leaver("Gap year", "2026-09-01"), "ref": "A2"},
            {**leaver("", ""), "ref": "A3"}]
    table = student_rows("OAK", rows, AFTER_MARCH)
    assert [r[1:4] + r[5:6] for r in table[1:]] == [
        ["A1", "2026", "Actual destination", SUSTAINED],
        ["A2", "2026", "Actual destination", NOT_SUSTAINED]]
    assert all("Intended" not in r[3] for r in table)
