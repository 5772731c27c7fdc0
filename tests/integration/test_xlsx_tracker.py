"""The workbook adapter on real .xlsx files in temporary folders."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from destsync.adapters.local import xlsx_layout as L
from destsync.adapters.local.xlsx_tracker import XlsxTracker
from destsync.domain.model import COLUMN_BY_KEY
from destsync.domain.reconcile import plan_sync
from destsync.errors import TrackerError
from tests.builders import CTX, at, response, student

HEADERS = {c.key: c.header for c in COLUMN_BY_KEY.values()}


def synced(tmp_path: Path, **answers: str) -> tuple[XlsxTracker, Path]:
    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    s = student(1)
    plan = plan_sync(
        t.read(), [s], [response("r1", at(2026, 5, 10), s, **answers)], CTX, at(2026, 5, 11)
    )
    t.apply(plan, "run1")
    return t, path


def cell(path: Path, header: str, row: int = 2) -> openpyxl.cell.cell.Cell:
    ws = openpyxl.load_workbook(path)["Tracker"]
    col = [c.value for c in ws[1]].index(header) + 1
    return ws.cell(row=row, column=col)


def test_formula_text_from_a_student_is_stored_as_inert_text(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://evil.example.org","click")'
    _, path = synced(tmp_path, course=evil, provider="+1-2")
    c = cell(path, "Intended course / job")
    assert c.value == evil and c.data_type == "s"
    assert cell(path, "Intended provider / employer").value == "+1-2"
    # The XML itself must hold a string, not a <f> formula element.
    import zipfile

    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_dates_are_real_dates_and_numbers_are_numbers(tmp_path: Path) -> None:
    _, path = synced(tmp_path)
    start = cell(path, "Intended start date").value
    assert start is not None and start.date() == date(2026, 9, 21)
    assert cell(path, "Intended NCCIS code").value == 240


def test_the_workbook_has_a_frozen_header_dropdowns_and_hidden_state(tmp_path: Path) -> None:
    _, path = synced(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Tracker"]
    assert ws.freeze_panes == "D2"
    ranges = [str(dv.sqref) for dv in ws.data_validations.dataValidation]
    assert len(ranges) >= 5
    assert {n for n in wb.sheetnames if n.startswith("_destsync")} == set(L.STATE_TABS)
    assert all(wb[n].sheet_state == "hidden" for n in L.STATE_TABS)
    assert wb.sheetnames[:4] == ["Tracker", "Review", "Change log", "Returns"]


def test_a_crash_while_saving_leaves_the_previous_workbook_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t, path = synced(tmp_path)
    before = path.read_bytes()
    s = student(1)
    snap = t.read()
    plan = plan_sync(
        snap, [s], [response("r2", at(2026, 6, 1), s, destination="College")], CTX, at(2026, 6, 2)
    )
    assert plan.changes

    def boom(self: object, filename: str) -> None:
        Path(filename).write_bytes(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OSError):
        t.apply(plan, "run2")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["tracker.xlsx"]  # no temp file left


def test_a_workbook_saved_by_someone_else_during_the_run_is_not_overwritten(
    tmp_path: Path,
) -> None:
    t, path = synced(tmp_path)
    s = student(1)
    snap = t.read()
    wb = openpyxl.load_workbook(path)
    wb["Tracker"]["A2"].value = wb["Tracker"]["A2"].value  # a save in Excel, in effect
    wb["Tracker"].cell(row=2, column=60).value = "staff note"
    wb.save(path)
    edited = path.read_bytes()
    plan = plan_sync(
        snap, [s], [response("r2", at(2026, 6, 1), s, destination="College")], CTX, at(2026, 6, 2)
    )
    with pytest.raises(TrackerError, match="changed on disk"):
        t.apply(plan, "run2")
    assert path.read_bytes() == edited


def test_a_renamed_header_is_a_clear_error(tmp_path: Path) -> None:
    _, path = synced(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Tracker"]
    col = [c.value for c in ws[1]].index("Personal email") + 1
    ws.cell(row=1, column=col).value = "Email"
    wb.save(path)
    with pytest.raises(TrackerError) as err:
        XlsxTracker(path, HEADERS).read()
    assert "'Personal email'" in err.value.message
    assert "columns.email" in err.value.hint


def test_a_duplicated_ref_is_a_clear_error(tmp_path: Path) -> None:
    _, path = synced(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Tracker"]
    ws.append([c.value for c in ws[2]])
    wb.save(path)
    with pytest.raises(TrackerError, match="appears twice"):
        XlsxTracker(path, HEADERS).read()


def test_a_file_that_is_not_a_workbook_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_text("not a zip")
    with pytest.raises(TrackerError, match="not a readable"):
        XlsxTracker(path, HEADERS).read()


def test_setup_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    assert XlsxTracker(path, HEADERS).setup() is True
    before = path.read_bytes()
    assert XlsxTracker(path, HEADERS).setup() is False
    assert path.read_bytes() == before


def test_state_survives_a_round_trip(tmp_path: Path) -> None:
    t, _ = synced(tmp_path)
    snap = t.read()
    assert snap.responses["r1"].outcome == "tracker"
    assert snap.base[("OAK-1001", "intended_destination")] == "University"
    s = student(1)
    again = plan_sync(snap, [s], [response("r1", at(2026, 5, 10), s)], CTX, at(2026, 5, 12))
    assert again.is_empty(), again.to_text()


def test_rows_past_a_stale_size_note_in_the_file_are_still_read(tmp_path: Path) -> None:
    """Some programs save a wrong <dimension> in the sheet XML; rows beyond it must not
    vanish (they would come back as duplicates of rows that exist)."""
    import re
    import zipfile

    t, path = synced(tmp_path)
    refs = set(t.read().rows)
    assert len(refs) >= 1
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:B1"/>',
                                  data)
                assert n == 1  # the note really was made stale
            dst.writestr(item, data)
    patched.replace(path)
    assert set(XlsxTracker(path, HEADERS).read().rows) == refs


def test_a_date_typed_as_text_in_the_uk_way_is_the_same_date(tmp_path: Path) -> None:
    _, path = synced(tmp_path)
    s = student(1)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.TRACKER]
    header = [c.value for c in ws[1]]
    col = header.index(COLUMN_BY_KEY["intended_start_date"].header) + 1
    iso = ws.cell(row=2, column=col).value
    assert iso is not None
    # Someone retypes the same date as text, the way Excel shows it in the UK.
    ws.cell(row=2, column=col).value = iso.strftime("%d/%m/%Y")
    wb.save(path)
    # A later answer moves the start date: the retyped cell is not a staff edit, so the
    # new date is written instead of raising a Conflict.
    t2 = XlsxTracker(path, HEADERS)
    later = response("r2", at(2026, 5, 20), s, start_date="2026-10-05")
    plan = plan_sync(t2.read(), [s], [response("r1", at(2026, 5, 10), s), later], CTX,
                     at(2026, 5, 21))
    assert [i.kind for i in plan.review] == [], plan.to_text()
    assert [(c.column, c.new) for c in plan.changes if c.column == "intended_start_date"] == [
        ("intended_start_date", "2026-10-05")]


def test_a_merge_base_in_the_old_one_row_per_cell_format_is_read_and_converted(
        tmp_path: Path) -> None:
    t, path = synced(tmp_path)
    base = t.read().base
    wb = openpyxl.load_workbook(path)  # the tab as destsync before issue 15 wrote it
    ws = wb["_destsync_base"]
    ws.delete_rows(2, ws.max_row)
    for (ref, col), value in base.items():
        ws.append([ref, col, value])
    wb.save(path)
    t = XlsxTracker(path, HEADERS)
    snap = t.read()
    assert snap.base == base
    s = student(1)
    plan = plan_sync(snap, [s], [response("r2", at(2026, 6, 1), s, destination="College")],
                     CTX, at(2026, 6, 2))
    assert plan.base_updates
    t.apply(plan, "run2")
    rows = list(openpyxl.load_workbook(path)["_destsync_base"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1].startswith("{")  # header, then one row per Ref
    assert t.read().base == {**base, **plan.base_updates}
