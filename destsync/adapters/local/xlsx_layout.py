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
    RETURNS,
    REVIEW,
    STATE_TABS,
    TRACKER,
    VISIBLE_TABS,
    canonical,
    dropdown_lists,
)

__all__ = [
    "LOG", "RETURNS", "REVIEW", "STATE_TABS", "TRACKER", "VISIBLE_TABS", "add_dropdowns",
    "canonical", "ensure_tabs", "read_block", "replace_block", "set_value", "style_header",
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
    cell.value = value
    cell.data_type = "s"


def style_header(ws: Worksheet, headers: tuple[str, ...] | list[str]) -> None:
    for i, h in enumerate(headers, start=1):
        c = ws.cell(row=1, column=i)
        set_value(c, h)
        c.fill, c.font = HEADER_FILL, HEADER_FONT
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(h) + 4))
    ws.freeze_panes = "A2"


def ensure_tabs(wb: Workbook, tracker_headers: list[str]) -> None:
    """Create any missing tab with its headers; leave existing tabs as staff have them."""
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
