"""An erasure on the workbook: every tab read as a grid, the erase plan's edits applied
to the full model (saved all or nothing by ``XlsxTracker``)."""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl import Workbook

from destsync.adapters.local import xlsx_layout as L
from destsync.domain.applications_tab import APPLICATIONS
from destsync.domain.erase_plan import Grid, TabEdit

# The Applications tab (issue 16) too: a student's applications go with their row.
TABS = (L.TRACKER, L.REVIEW, L.LOG, L.RETURNS, *L.STATE_TABS, APPLICATIONS)


def grids(wb: Workbook) -> dict[str, Grid]:
    """Row i of a grid is worksheet row i + 1: blank rows are kept, so indices line up."""
    return {
        tab: [[L.canonical(v) for v in row] for row in wb[tab].iter_rows(values_only=True)]
        for tab in TABS if tab in wb.sheetnames
    }


def apply_edits(wb: Workbook, edits: Mapping[str, TabEdit]) -> None:
    for tab, edit in edits.items():
        ws = wb[tab]
        locked = ws.protection.sheet
        ws.protection.sheet = False
        for r, values in edit.replace.items():
            for c in range(1, max(len(values), ws.max_column) + 1):
                cell, new = ws.cell(row=r + 1, column=c), values[c - 1] if c <= len(values) else ""
                if L.canonical(cell.value) != new:  # the rest keep their type and format
                    L.set_value(cell, new)
        last = max((r for r in range(ws.max_row, 0, -1)
                    if any(c.value not in (None, "") for c in ws[r])), default=1)
        for i, values in enumerate(edit.append, start=last + 1):
            for c, v in enumerate(values, start=1):
                L.set_value(ws.cell(row=i, column=c), v)
        # From the bottom up, so each index still names the row it was read from.
        for r in sorted(set(edit.delete), reverse=True):
            ws.delete_rows(r + 1)
        ws.protection.sheet = locked
