"""The Applications tab in the workbook (issue 16): read into the snapshot, and written in
the tracker's one all-or-nothing save (``XlsxTracker.apply``).

The tab is made the first time a check-in has an application to record (or by `destsync
setup` for an academy with a check-in form), so a tracker without a check-in never
gains it. Rows are found by their Key (``applications_tab``): staff may sort the tab,
reorder its columns and correct a provider's spelling. The Status column offers
``APPLICATION_STATUSES``; text is always written as text, never a formula.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from destsync.adapters.local import xlsx_fast as fast
from destsync.adapters.local import xlsx_layout as L
from destsync.domain import applications_tab as A
from destsync.domain.model import TrackerSnapshot
from destsync.domain.plan import Plan
from destsync.errors import TrackerError


def read(wb: Workbook, snap: TrackerSnapshot) -> None:
    if A.APPLICATIONS in wb.sheetnames:
        A.read_applications(fast.rows(wb[A.APPLICATIONS]), snap)


def ensure(wb: Workbook) -> bool:
    """The tab with its headers and Status dropdown; True if anything was added."""
    if A.APPLICATIONS in wb.sheetnames:
        ws = wb[A.APPLICATIONS]
        header = [c.value for c in ws[1]] if ws.max_row else []
        missing = A.missing_headers(header)
        last = max((i + 1 for i, h in enumerate(header) if L.canonical(h).strip()), default=0)
        for i, name in enumerate(missing, start=last + 1):
            L.style_header_cell(ws, i, name)
        _dress(ws)
        return bool(missing)
    ws = wb.create_sheet(A.APPLICATIONS)
    L.style_header(ws, list(A.APP_HEADERS))
    _dress(ws)
    return True


def _dress(ws: Worksheet) -> None:
    """The Status dropdown and the hidden Key column, by header (staff may move them)."""
    col = {L.canonical(c.value).strip(): i for i, c in enumerate(ws[1], start=1) if c.value}
    ws.data_validations.dataValidation = []
    if A.STATUS_COLUMN in col:
        dv = DataValidation(type="list", formula1='"' + ",".join(A.STATUS_OPTIONS) + '"',
                            allow_blank=True)
        dv.error = "Pick a status from the list"
        dv.errorStyle = "warning"
        letter = get_column_letter(col[A.STATUS_COLUMN])
        dv.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(dv)
    if A.KEY in col:
        ws.column_dimensions[get_column_letter(col[A.KEY])].hidden = True


def write(wb: Workbook, plan: Plan) -> None:
    """The plan's Applications cells and rows, into ``wb`` (saved by the caller)."""
    if not (plan.app_rows or plan.app_changes):
        return
    ensure(wb)
    ws = wb[A.APPLICATIONS]
    header = [c.value for c in ws[1]]
    index = A.header_index(header)
    at = A.read_applications(ws.iter_rows(values_only=True), TrackerSnapshot())
    for ch in plan.app_changes:
        r, c = at.get(ch.key), index.get(A.HEADER_OF[ch.field])
        if r is None or c is None:
            raise TrackerError(f"an application of {ch.ref} is no longer on the "
                               f"{A.APPLICATIONS} tab", "run the sync again")
        L.set_value(ws.cell(row=r, column=c + 1), ch.new,
                    "date" if ch.field == "updated" else "text")
    next_row = max((r for r in at.values()), default=1) + 1
    while any(c.value not in (None, "") for c in ws[next_row]):
        next_row += 1  # a row staff typed without a Ref sits below the last keyed one
    for app in plan.app_rows:
        for c, value in enumerate(A.new_row(app, header), start=1):
            kind = "date" if header and L.canonical(header[c - 1]).strip() == \
                A.HEADER_OF["updated"] else "text"
            L.set_value(ws.cell(row=next_row, column=c), value, kind)
        next_row += 1
