"""Resolving Review rows by typing into a real workbook's Review tab."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from destsync.adapters.local.xlsx_tracker import XlsxTracker
from destsync.domain.model import COLUMN_BY_KEY, REVIEW_HEADERS
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, at, response, student

HEADERS = {c.key: c.header for c in COLUMN_BY_KEY.values()}
OLD_ORDER = ["Key", "Raised", "Kind", "Ref", "Response ID", "Submitted", "Field",
             "Value in tracker", "Value from form", "What to do", "Resolved"]
ROSTER = [student(1), student(2)]
# No date of birth and no reference: "No match".
STRAY = response("u1", at(2026, 5, 10), None, dob="", destination="Apprenticeship")


def sync(t: XlsxTracker, day: int) -> bool:
    """One sync as the service runs it (an empty plan writes nothing); True if it wrote."""
    plan = plan_sync(t.read(), ROSTER, [STRAY], CTX, at(2026, 5, day))
    if not plan.is_empty():
        t.apply(plan, f"run{day}")
    return not plan.is_empty()


def review(path: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)["Review"]
    head = [c.value for c in ws[1]]
    return [dict(zip(head, (c.value for c in row), strict=False))
            for row in ws.iter_rows(min_row=2)]


def type_into(path: Path, kind: str, text: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Review"]
    head = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=head.index("Kind") + 1).value == kind:
            ws.cell(row=r, column=head.index("Resolve as") + 1).value = text
    wb.save(path)


def test_a_ref_typed_into_the_review_tab_is_carried_out_and_marked(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    sync(t, 11)
    ws = openpyxl.load_workbook(path)["Review"]
    assert [c.value for c in ws[1]] == list(REVIEW_HEADERS)
    [dv] = ws.data_validations.dataValidation  # the dropdown suggests; a Ref is typed
    # For a person: the internal key hidden, reasons wrapped, times local to the minute.
    head = [c.value for c in ws[1]]
    assert head[0] == "Kind" and ws.column_dimensions[chr(ord("A") + head.index("Key"))].hidden
    assert ws.cell(row=2, column=head.index("What to do") + 1).alignment.wrap_text
    assert ws.cell(row=2, column=head.index("Submitted") + 1).value == "2026-05-10 10:00"
    assert dv.formula1 == '"accept,new,ignore"' and not dv.showErrorMessage
    type_into(path, "No match", ROSTER[1].ref)
    sync(t, 12)
    rows = {r["Kind"]: r for r in review(path)}
    assert rows["No match"]["Resolved"] is not None
    assert rows["No match"]["Resolution"] == f"answers placed on {ROSTER[1].ref}"
    tracker = openpyxl.load_workbook(path)["Tracker"]
    head = [c.value for c in tracker[1]]
    dest = {r[0]: r[head.index("Intended destination")] for r in tracker.iter_rows(
        min_row=2, values_only=True)}
    assert dest[ROSTER[1].ref] == "Apprenticeship"
    log = [r for r in openpyxl.load_workbook(path)["Change log"].iter_rows(values_only=True)
           if r[3] == "Review"]
    assert len(log) == 1
    assert not sync(t, 13)  # resolved once: nothing more to write


def test_an_older_review_tab_gains_the_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    sync(t, 11)
    rows = review(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Review"]
    ws.delete_rows(1, ws.max_row)  # rewritten as a tab made before "Resolve as" existed
    for r, values in enumerate([OLD_ORDER, *([row[h] for h in OLD_ORDER] for row in rows)], 1):
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c).value = v
    wb.save(path)
    t = XlsxTracker(path, HEADERS)
    assert t.read().review_keys  # still read by header
    assert t.setup()  # `destsync setup` (or the next write) adds the two columns
    assert not t.setup()
    head = [c.value for c in openpyxl.load_workbook(path)["Review"][1]]
    assert head == [*OLD_ORDER, "Resolve as", "Resolution"]
    type_into(path, "No match", "ignore")
    t = XlsxTracker(path, HEADERS)
    sync(t, 13)
    assert {r["Kind"]: r["Resolution"] for r in review(path)}["No match"] \
        == "ignored: not one of ours"


def test_a_row_added_to_an_older_tab_lands_under_its_headers(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    t.apply(plan_sync(t.read(), ROSTER, [], CTX, at(2026, 5, 9)), "run0")
    wb = openpyxl.load_workbook(path)
    del wb["Review"]
    wb.create_sheet("Review").append(OLD_ORDER)  # as an older destsync made it
    wb.save(path)
    sync(XlsxTracker(path, HEADERS), 11)
    [row] = review(path)
    assert row["Kind"] == "No match" and row["Response ID"] == "u1"
    assert str(row["Key"]).startswith("No match|u1|")
