"""The Applications tab in a real .xlsx workbook (issue 16): written in the tracker's one
save, read back by key, a staff edit kept through the three-way merge."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destsync.adapters.local.xlsx_tracker import XlsxTracker
from destsync.domain.applications_tab import APP_HEADERS, APPLICATIONS
from destsync.domain.context import PlanContext
from destsync.domain.model import APPLICATION_STATUSES, COLUMN_BY_KEY, RawResponse
from destsync.domain.plan import Plan
from destsync.domain.reconcile import plan_academy
from tests.builders import CTX, at, student

HEADERS = {c.key: c.header for c in COLUMN_BY_KEY.values()}
CHECKIN_CTX = PlanContext(CTX.academy_code, CTX.calendar, CTX.checkpoints, checkin_slots=2)
S = student(1, leaving_year=2027)


def checkin(rid: str, when: datetime, **kw: str) -> RawResponse:
    a = {"reference": S.ref, "name": f"{S.forename} {S.surname}", "dob": S.dob,
         "intended": "University", "app1_provider": "University of Example",
         "app1_course": "BSc Physics", "app1_status": "Applied",
         "app2_provider": '=HYPERLINK("http://evil.example.org")', "app2_course": "Law"}
    a.update(kw)
    return RawResponse(rid, when, a, f"test {rid}")


def sync(t: XlsxTracker, checkins: list[RawResponse], now: datetime) -> Plan:
    plan = plan_academy(t.read(), [S], [], CHECKIN_CTX, now, checkins=checkins).plan
    if not plan.is_empty():
        t.apply(plan, "run")
    return plan


def tab(path: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[APPLICATIONS]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=False))
            for row in ws.iter_rows(min_row=2)]


def test_applications_are_rows_of_their_own_and_a_staff_edit_stands(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    first = [checkin("c1", at(2026, 10, 1))]
    sync(t, first, at(2026, 10, 2))
    rows = tab(path)
    assert [r["Status"] for r in rows] == ["Applied", "Applied"]
    assert next(iter(openpyxl.load_workbook(path)[APPLICATIONS].iter_rows(
        max_row=1, values_only=True))) == APP_HEADERS
    # A formula a student typed is text in the file, never a formula.
    evil = next(c for c in openpyxl.load_workbook(path)[APPLICATIONS]["B"]
                if str(c.value).startswith("="))
    assert evil.data_type == "s"
    # Staff sort the tab and record an offer the university told them about.
    wb = openpyxl.load_workbook(path)
    ws = wb[APPLICATIONS]
    physics = next(r for r in range(2, 4) if ws.cell(row=r, column=3).value == "BSc Physics")
    ws.cell(row=physics, column=5).value = "Offer"
    wb.save(path)
    later = [*first, checkin("c2", at(2026, 11, 1), app1_status="Rejected")]
    plan = sync(t, later, at(2026, 11, 2))
    assert [r.kind for r in plan.review if "Status" in r.field] == ["Conflict"]
    assert {r["Course / job"]: r["Status"] for r in tab(path)}["BSc Physics"] == "Offer"
    assert sync(t, later, at(2026, 11, 3)).is_empty()


def test_a_status_dropdown_and_a_hidden_key(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    assert t.setup(applications=True)
    ws = openpyxl.load_workbook(path)[APPLICATIONS]
    (dv,) = ws.data_validations.dataValidation
    assert "Firm" in dv.formula1 and str(dv.sqref).startswith("E2")
    assert ws.column_dimensions["G"].hidden
    assert not XlsxTracker(path, HEADERS).setup(applications=True)


def test_a_tracker_without_a_check_in_gains_no_applications_tab(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    t.setup()
    sync(t, [], at(2026, 10, 2))
    assert APPLICATIONS not in openpyxl.load_workbook(path).sheetnames


def test_an_erasure_takes_the_students_applications_and_their_check_ins(
        tmp_path: Path) -> None:
    from destsync.domain.erase_plan import plan_erase
    from destsync.domain.tombstone import screen

    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    answers = [checkin("c1", at(2026, 10, 1))]
    sync(t, answers, at(2026, 10, 2))
    plan = plan_erase(S.ref, t.read_grids(), HEADERS, answers, "salt", True,
                      "2026-10-03T09:00:00+00:00", "run")
    assert plan.edits[APPLICATIONS].delete == [1, 2]
    t.rewrite(plan.edits)
    snap = t.read()
    assert snap.applications == {}
    assert not [k for k in snap.base if k[1].startswith("app:")]
    assert screen(snap, [], answers).responses == []


STATUSES = st.sampled_from(APPLICATION_STATUSES)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=STATUSES, second=STATUSES, staff=st.one_of(st.none(), STATUSES),
       level=st.sampled_from(["", "degree", "Level 3"]))
def test_in_a_workbook_a_staff_edit_is_never_overwritten_and_a_rerun_changes_nothing(
        first: str, second: str, staff: str | None, level: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tracker.xlsx"
        t = XlsxTracker(path, HEADERS)
        c1 = checkin("c1", at(2026, 10, 1), app1_status=first, app1_level=level)
        sync(t, [c1], at(2026, 10, 2))
        if staff is not None:
            wb = openpyxl.load_workbook(path)
            ws = wb[APPLICATIONS]
            row = next(r for r in range(2, 4) if ws.cell(row=r, column=3).value == "BSc Physics")
            ws.cell(row=row, column=5).value = staff
            wb.save(path)
        both = [c1, checkin("c2", at(2026, 11, 1), app1_status=second, app1_level=level)]
        sync(t, both, at(2026, 11, 2))
        status = {r["Course / job"]: r["Status"] for r in tab(path)}["BSc Physics"]
        assert status == (staff if staff is not None and staff != first else second)
        assert sync(t, both, at(2026, 11, 3)).is_empty()
