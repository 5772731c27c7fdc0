"""The local authority's extract through the three-way merge: agreement validates,
disagreement goes to Review, a person's edit wins, and a bad row never stops a run."""

from __future__ import annotations

import pytest

from destsync.domain.calendar import AcademicCalendar
from destsync.domain.la_export import la_table
from destsync.domain.la_import import LA_KIND, plan_la_import, read_table
from destsync.domain.model import COLUMN_BY_KEY, TrackerSnapshot
from destsync.domain.plan import after_rows
from destsync.domain.validation import validation
from destsync.errors import InputError

CAL = AcademicCalendar({})
HEAD = ["School reference", "Activity code", "Start date", "Date confirmed"]
NOW = "2027-01-20T09:00:00+00:00"


def tracker(**rows: dict[str, str]) -> TrackerSnapshot:
    """Rows as destsync wrote them (the merge base equals every cell)."""
    snap = TrackerSnapshot()
    for ref, row in rows.items():
        # Every column, as a tracker read gives it (blank cells as "").
        snap.rows[ref] = {**dict.fromkeys(COLUMN_BY_KEY, ""), "ref": ref,
                          "leaving_year": "2026", **row}
        snap.base.update({(ref, k): v for k, v in snap.rows[ref].items() if v})
    return snap


def uni(**kw: str) -> dict[str, str]:
    return {"actual_destination": "University", "actual_nccis": "240",
            "actual_start_date": "2026-09-20", "actual_updated": "2026-10-10", **kw}


def plan_for(snap: TrackerSnapshot, *rows: list[str], head: list[str] = HEAD,
             columns: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return plan_la_import(snap, read_table([head, *rows], columns or {}, "la.csv"), CAL, NOW)


def test_an_agreeing_row_is_validated_by_the_local_authority_on_its_date() -> None:
    snap = tracker(A1=uni())
    plan = plan_for(snap, ["A1", "240", "20/09/2026", "15/01/2027"])
    after = after_rows(snap, plan)["A1"]
    assert (after["validated"], after["validated_by"], after["validator"]) == (
        "Yes", LA_KIND, LA_KIND)
    assert after["validated_on"] == "2027-01-15"
    assert validation(after).ok
    assert {c.column for c in plan.changes} == {"validated", "validated_by", "validator",
                                                "validated_on"}
    [note] = {e.note for e in plan.log if e.field == "validated"}
    assert note == "validated by the local authority, confirmed on 2027-01-15"
    assert not plan.review


def test_a_disagreeing_row_goes_to_review_and_changes_nothing() -> None:
    snap = tracker(A1=uni())
    plan = plan_for(snap, ["A1", "310", "2026-09-20", "2027-01-15"])
    assert not plan.changes
    [item] = plan.review
    assert (item.kind, item.ref, item.tracker_value, item.form_value) == (
        LA_KIND, "A1", "240", "310")
    # A start date that differs is a disagreement too.
    moved = plan_for(snap, ["A1", "240", "2026-10-01", "2027-01-15"])
    assert not moved.changes and moved.review[0].form_value == "2026-10-01"
    # Raised once: the same disagreement on the tab already is not raised again.
    snap.review_keys.add(item.key)
    assert not plan_for(snap, ["A1", "310", "2026-09-20", "2027-01-15"]).review


def test_a_blank_checkpoint_is_filled_and_a_persons_validated_wins() -> None:
    snap = tracker(A1={}, A2=uni())
    snap.rows["A2"]["validated"] = "No"  # a person wrote it: destsync never wrote it
    plan = plan_for(snap, ["A1", "310", "2026-09-01", "2026-11-20"],
                    ["A2", "240", "", "2027-01-15"])
    after = after_rows(snap, plan)
    assert (after["A1"]["actual_nccis"], after["A1"]["actual_destination"]) == (
        "310", "Apprenticeship")
    assert after["A1"]["actual_start_date"] == "2026-09-01"
    assert after["A1"]["validated"] == ""  # filled in, not confirmed: not validated
    assert after["A2"]["validated"] == "No"
    assert [r.field for r in plan.conflicts] == ["Validated"]


def test_bad_rows_are_review_items_and_never_stop_the_import() -> None:
    snap = tracker(A1={}, A2={}, A3=uni())
    plan = plan_for(snap, ["A1", "999", "", ""], ["A2", "two-forty", "", ""],
                    ["A3", "240", "31/02/2026", "2027-01-15"], ["ZZ9", "240", "", ""],
                    ["A3", "810", "", ""], [" ", "", "", ""],
                    head=[*HEAD, "Mystery column"])
    fields = sorted((r.ref, r.field) for r in plan.review)
    assert fields == [("", "Mystery column"), ("A1", "Activity code"),
                      ("A2", "Activity code"), ("A3", "Start date"),
                      ("ZZ9", "School reference")]
    assert all(r.response_id.startswith("LA file line ") for r in plan.review if r.ref)
    # The row with the impossible start date still agrees on its code: validated.
    assert after_rows(snap, plan)["A3"]["validated"] == "Yes"


def test_a_file_without_the_identifying_column_stops_with_the_fix() -> None:
    with pytest.raises(InputError) as err:
        read_table([["UPN", "Activity code"], ["A1", "240"]], {}, "la.csv")
    assert "'School reference'" in err.value.message
    assert "local_authority.columns.ref" in err.value.hint


def test_the_local_authoritys_own_headers_are_a_config_change() -> None:
    snap = tracker(A1=uni())
    cols = {"ref": "UPN", "code": "NCCIS", "confirmed": "Checked on"}
    plan = plan_for(snap, ["A1", "240", "", "2027-01-15"],
                    head=["UPN", "NCCIS", "Start date", "Checked on"], columns=cols)
    assert after_rows(snap, plan)["A1"]["validated"] == "Yes"
    rows = [{**snap.rows["A1"], "forename": "Testname"}]
    assert la_table(rows, 2026, cols)[0][:1] == ["UPN"]


def test_an_export_read_back_changes_nothing_but_validation() -> None:
    snap = tracker(A1=uni(), A2={"actual_destination": "Cannot be contacted",
                                 "actual_nccis": "820"},
                   A3={}, A4=uni(s72_opt_out="Yes"),
                   A5={**uni(), "year1_destination": "Apprenticeship", "year1_nccis": "310",
                       "year1_start_date": "2027-09-01", "year1_updated": "2027-06-01"})
    table = la_table(snap.rows.values(), 2026)
    plan = plan_la_import(snap, read_table(table, {}, "la.csv"), CAL, "2027-07-01T09:00")
    assert not plan.review
    assert {(c.ref, c.column) for c in plan.changes} == {
        ("A1", "validated"), ("A1", "validated_by"), ("A1", "validator"),
        ("A1", "validated_on")}
