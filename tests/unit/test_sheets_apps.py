"""The Applications tab's part of the Sheets value write (``sheets_apps.payload``): a cell
a person changed between the plan and the write is not written and keeps its merge base;
new rows go below the tab's last row, in the tab's own column order."""

from __future__ import annotations

from destsync.adapters.google.sheets_apps import payload
from destsync.adapters.google.sheets_verify import Late, without
from destsync.domain.applications import base_col
from destsync.domain.checkin import app_key
from destsync.domain.plan import AppChange, NewApp, Plan

KEY = app_key("OAK-1001", "University of Example", "BSc Physics")
# Staff moved Status to the front; the row was sorted below a hand-typed one.
BLOCK = [["Status", "Ref", "Provider / employer", "Course / job", "Level", "Updated", "Key"],
         ["Applied", "OAK-1002", "Example College", "Law", "", "", ""],
         ["Offer", "OAK-1001", "University of Example", "BSc Physics", "", "2026-10-01", KEY]]


def plan_with(change: AppChange) -> Plan:
    plan = Plan(now="2026-11-02T09:00:00+00:00", app_changes=[change])
    plan.base_updates[("OAK-1001", base_col(KEY, "status"))] = change.new
    return plan


def test_a_cell_edited_during_the_run_is_not_written_and_keeps_its_base() -> None:
    plan = plan_with(AppChange(KEY, "OAK-1001", "status", "Applied", "Rejected", "c2"))
    late = Late()
    data, end = payload(plan, BLOCK, late)
    assert data == [] and end == 0
    written = without(plan, late)
    assert written.base_updates == {}
    assert [(r.kind, r.tracker_value, r.form_value) for r in written.review] == \
        [("Conflict", "Offer", "Rejected")]


def test_an_unedited_cell_is_written_where_it_is_now() -> None:
    plan = plan_with(AppChange(KEY, "OAK-1001", "status", "Offer", "Firm", "c2"))
    late = Late()
    data, _ = payload(plan, BLOCK, late)
    assert not late.cells
    assert [(d["dataFilter"]["a1Range"], d["values"]) for d in data] == \
        [("'Applications'!A3:A3", [["Firm"]])]


def test_new_rows_go_below_the_last_in_the_tabs_column_order() -> None:
    new = NewApp("OAK-1003/x/y", "OAK-1003", {"ref": "OAK-1003", "provider": "X",
                                             "course": "Y", "status": "Applied"}, "c3")
    data, end = payload(Plan(now="", app_rows=[new]), BLOCK, Late())
    assert end == 4
    assert data[0]["dataFilter"]["a1Range"].startswith("'Applications'!A4")
    assert data[0]["values"] == [["Applied", "OAK-1003", "X", "Y", "", "", "OAK-1003/x/y"]]
