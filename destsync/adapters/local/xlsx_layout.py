"""Workbook layout for the local tracker: tab names, headers, dropdowns, widths, and how a
value is written so that user text is never a formula."""

from __future__ import annotations

from datetime import date

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

# Tab names, state tabs and canonical values are shared with the Google Sheets tracker.
from destsync.domain.layout import (
    LOG,
    RESOLUTION,
    RESOLVE_AS,
    RESOLVED,
    RETURNS,
    REVIEW,
    REVIEW_WRAPPED,
    STATE_TABS,
    TRACKER,
    VISIBLE_TABS,
    canonical,
    dropdown_lists,
    missing_review_headers,
)
from destsync.domain.resolutions import WORDS

__all__ = [
    "LOG", "RETURNS", "REVIEW", "STATE_TABS", "TRACKER", "VISIBLE_TABS", "add_dropdowns",
    "add_tracker_headers",
    "canonical", "ensure_tabs", "read_block", "replace_block", "set_value", "style_header",
    "update_review",
]
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def set_value(cell: Cell, value: str, kind: str = "text") -> None:
    """Write a canonical string as a typed cell. Text is forced to the string type: openpyxl
    would otherwise store ``=...`` as a formula that Excel runs when the file is opened."""
    if value == "":
        cell.value = None
        return
    if kind == "date":
        try:
            cell.value = date.fromisoformat(value)
            cell.number_format = "DD/MM/YYYY"
            return
        except ValueError:
            pass
    if kind == "int" and value.isdigit() and len(value) < 12:
        cell.value = int(value)
        return
    # What ``cell.value = value`` does for text (openpyxl's own check: at most 32,767
    # characters, no control characters) without its guessing of the type, which this
    # overrides anyway: a tenth of saving a 10,000-row tracker.
    cell._value = cell.check_string(value)
    cell.data_type = "s"


def style_header(ws: Worksheet, headers: tuple[str, ...] | list[str]) -> None:
    for i, h in enumerate(headers, start=1):
        style_header_cell(ws, i, h)
    ws.freeze_panes = "A2"


def ensure_tabs(wb: Workbook, tracker_headers: list[str]) -> bool:
    """Create any missing tab with its headers; leave existing tabs as staff have them,
    except that a Review tab made by an older destsync gains the columns it lacks.
    True if anything was added."""
    before = len(wb.sheetnames)
    added = REVIEW in wb.sheetnames and _add_review_headers(wb[REVIEW])
    if TRACKER not in wb.sheetnames:
        ws = wb.active if wb.sheetnames == ["Sheet"] else wb.create_sheet(TRACKER, 0)
        ws.title = TRACKER
        style_header(ws, tracker_headers)
        ws.freeze_panes = "D2"  # keep Ref and the name in view while scrolling right
    for name, headers in VISIBLE_TABS.items():
        if name not in wb.sheetnames:
            style_header(wb.create_sheet(name), headers)
    for name, headers in STATE_TABS.items():
        if name not in wb.sheetnames:
            ws = wb.create_sheet(name)
            ws.append(list(headers))
            ws.sheet_state = "hidden"
            # Protected without a password: a warning against accidental edits, which an
            # administrator can still lift.
            ws.protection.sheet = True
    return added or len(wb.sheetnames) != before


def _header(ws: Worksheet) -> list[str]:
    """A tab's header row up to its last non-empty cell."""
    header = [canonical(c.value).strip() for c in ws[1]] if ws.max_row else []
    return header[:max((i + 1 for i, h in enumerate(header) if h), default=0)]


def _add_review_headers(ws: Worksheet) -> bool:
    header = _header(ws)
    return _add_headers(ws, header, missing_review_headers(header))


def add_tracker_headers(ws: Worksheet, names: list[str]) -> bool:
    """The Tracker headers among ``names`` a tab lacks, added after its last one (what
    `setup` does for the optional leaving-point columns; a sync never adds a column)."""
    header = _header(ws)
    return _add_headers(ws, header, [n for n in names if n not in header])


def _add_headers(ws: Worksheet, header: list[str], missing: list[str]) -> bool:
    for i, name in enumerate(missing, start=len(header) + 1):
        style_header_cell(ws, i, name)
    return bool(missing)


def add_dropdowns(ws: Worksheet, header_index: dict[str, int], headers: dict[str, str]) -> None:
    """Dropdowns on the destination and status columns. Rebuilt each write so the rules
    follow columns that staff moved."""
    ws.data_validations.dataValidation = []
    lists = dropdown_lists()
    for key, options in lists.items():
        col = header_index.get(headers.get(key, ""))
        if col is None:
            continue
        formula = '"' + ",".join(o.replace(",", " ") for o in options) + '"'
        if len(formula) > 255:  # Excel's limit for an inline list
            continue
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.error = "Pick a value from the list"
        dv.errorStyle = "warning"  # staff may still type something else, knowingly
        letter = get_column_letter(col)
        dv.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(dv)


def read_block(ws: Worksheet) -> list[list[str]]:
    """A tab's values as canonical strings, one list per row (header first)."""
    return [[canonical(v) for v in row] for row in ws.iter_rows(values_only=True)]


def replace_block(ws: Worksheet, rows: list[list[str]]) -> None:
    """Replace a tab destsync rebuilds whole (the Metrics tab): header styled, counts
    written as numbers so a data officer can sum them, everything else as text."""
    ws.delete_rows(1, ws.max_row)
    style_header(ws, rows[0])
    for r, values in enumerate(rows[1:], start=2):
        for c, v in enumerate(values, start=1):
            set_value(ws.cell(row=r, column=c), v, "int")


def update_review(ws: Worksheet, updates: dict[str, tuple[str, str]]) -> None:
    """Write Resolved and Resolution into the Review rows ``updates`` names (by key), give
    a tab made by an older destsync the columns it lacks, and offer the words a person can
    type in Resolve as (a Ref is typed, so the list only suggests)."""
    _add_review_headers(ws)
    col = {canonical(c.value).strip(): i for i, c in enumerate(ws[1], start=1) if c.value}
    letter = get_column_letter(col[RESOLVE_AS])
    ws.data_validations.dataValidation = []
    dv = DataValidation(type="list", formula1='"' + ",".join(WORDS) + '"', allow_blank=True,
                        showErrorMessage=False)
    dv.add(f"{letter}2:{letter}20000")
    ws.add_data_validation(dv)
    _readable(ws, col)
    if not updates:
        return
    key_col = col.get("Key", 1)
    for r in range(2, ws.max_row + 1):
        found = updates.get(canonical(ws.cell(row=r, column=key_col).value))
        if found is not None:
            set_value(ws.cell(row=r, column=col[RESOLVED]), found[0])
            set_value(ws.cell(row=r, column=col[RESOLUTION]), found[1])


def _readable(ws: Worksheet, col: dict[str, int]) -> None:
    """Review for a person: the internal Key column hidden, reasons wrapped in full."""
    if "Key" in col:
        ws.column_dimensions[get_column_letter(col["Key"])].hidden = True
    wrap = Alignment(wrap_text=True, vertical="top")
    for header in REVIEW_WRAPPED:
        if header in col:
            ws.column_dimensions[get_column_letter(col[header])].width = 50
            for (c,) in ws.iter_rows(min_row=2, min_col=col[header], max_col=col[header]):
                c.alignment = wrap


def style_header_cell(ws: Worksheet, i: int, h: str) -> None:
    c = ws.cell(row=1, column=i)
    set_value(c, h)
    c.fill, c.font = HEADER_FILL, HEADER_FONT
    c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(h) + 4))
