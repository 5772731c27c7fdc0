"""The Applications tab on Google Sheets (issue 16), inside the tracker's one write.

Read: one more range of the sync's one ``values.batchGet`` (only for an academy with a
check-in form; `destsync setup` makes the tab). Write: the tab is one of the tabs the
write lock protects (``sheets_lock``), and it is re-read whole in the re-read made under
that lock (``sheets_verify.Fresh``). So its row positions and cells cannot change between
that re-read and the value write: each planned cell is checked against it (a cell a
person changed during the run is not written, keeps its merge base, and becomes a
Conflict on Review, as a Tracker cell does), and new rows go below its last row, in the
same ``values.batchUpdateByDataFilter`` as the merge base that records them. Values are
sent RAW, so text is never a formula.

Setup: ``addSheet``, the header, the Status dropdown (``setDataValidation`` with
``ONE_OF_LIST``, not strict: staff may type a status of their own) and the Key column
hidden (``updateDimensionProperties`` ``hiddenByUser``), in one ``batchUpdate`` (Sheets
v4 discovery document, ``spreadsheets.batchUpdate`` Request).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.adapters.google.setup import _header_cells as header_cells
from destsync.adapters.google.sheets_verify import EDITED_NOTE, Late
from destsync.domain import applications_tab as A
from destsync.domain.applications import FIELD_LABELS, base_col
from destsync.domain.layout import canonical_text
from destsync.domain.merge import conflict_key
from destsync.domain.model import TrackerSnapshot
from destsync.domain.plan import LogEntry, Plan, ReviewItem

APPLICATIONS = A.APPLICATIONS
GRID_ROWS = 1000
EDITED = ("A person changed this cell while destsync was running, so destsync left it "
          "alone. Copy the check-in's value in if it is right.")


def payload(plan: Plan, block: Sequence[Sequence[Any]], late: Late
            ) -> tuple[list[dict[str, Any]], int]:
    """The value writes for the plan's Applications cells and rows against ``block`` (the
    tab re-read under the lock), and the last row the tab then needs (0: none)."""
    if not (plan.app_changes or plan.app_rows):
        return [], 0
    header = list(block[0]) if block else list(A.APP_HEADERS)
    index = A.header_index(header)
    at = A.read_applications(block, now := TrackerSnapshot())
    data: list[dict[str, Any]] = []
    for ch in plan.app_changes:
        r, c = at.get(ch.key), index.get(A.HEADER_OF[ch.field])
        current = now.applications.get(ch.key, {}).get(ch.field)
        if r is None or c is None or current != ch.old:
            _drop(late, ch.ref, ch.key, ch.field, ch.old, ch.new, current or "", ch.source)
            continue
        data.append({"dataFilter": {"a1Range": api.a1(A.APPLICATIONS, r, c + 1, 1, 1)},
                     "majorDimension": "ROWS", "values": [[ch.new]]})
    if not plan.app_rows:
        return data, 0
    start = max(len(block), 1) + 1
    rows = [A.new_row(app, header) for app in plan.app_rows]
    data.append(api.block(A.APPLICATIONS, start, rows))
    return data, start + len(rows) - 1


def _drop(late: Late, ref: str, key: str, field: str, old: str, new: str, now: str,
          source: str) -> None:
    col = base_col(key, field)
    late.cells.add((ref, col))
    label = f"Application {key.split('/', 1)[-1]}: {FIELD_LABELS[field]}"
    late.review.append(ReviewItem(conflict_key(ref, col, new), "Conflict", ref, source, "",
                                  label, now, new, EDITED))
    late.log.append(LogEntry(ref, label, old, now, source, EDITED_NOTE))


def into_snapshot(snap: TrackerSnapshot, block: Sequence[Sequence[Any]]) -> None:
    A.read_applications(([canonical_text(v) for v in row] for row in block), snap)


def setup_requests(tabs: dict[str, Any], header_now: list[str]) -> list[dict[str, Any]]:
    """What `destsync setup` sends for the tab: all of it when missing, the missing
    headers when staff removed some; nothing when it is there (idempotent)."""
    if A.APPLICATIONS in tabs:
        missing = A.missing_headers(header_now)
        if not missing:
            return []
        sid = int(tabs[A.APPLICATIONS]["properties"].get("sheetId", 0))
        width = int(tabs[A.APPLICATIONS]["properties"].get("gridProperties", {})
                    .get("columnCount", 0))
        out: list[dict[str, Any]] = []
        if len(header_now) + len(missing) > width:
            out.append({"appendDimension": {"sheetId": sid, "dimension": "COLUMNS",
                                            "length": len(header_now) + len(missing) - width}})
        out.append(header_cells(sid, len(header_now), missing))
        return out
    sid = max((int(s["properties"].get("sheetId", 0)) for s in tabs.values()), default=0) + 1
    headers = list(A.APP_HEADERS)
    status, key = headers.index(A.STATUS_COLUMN), headers.index(A.KEY)
    return [
        {"addSheet": {"properties": {"sheetId": sid, "title": A.APPLICATIONS, "gridProperties": {
            "rowCount": GRID_ROWS, "columnCount": len(headers), "frozenRowCount": 1}}}},
        header_cells(sid, 0, headers),
        {"setDataValidation": {
            "range": {"sheetId": sid, "startRowIndex": 1, "startColumnIndex": status,
                      "endColumnIndex": status + 1},
            "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                {"userEnteredValue": s} for s in A.STATUS_OPTIONS]},
                "strict": False, "showCustomUi": True, "inputMessage": "Pick from the list"}}},
        {"updateDimensionProperties": {
            "range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": key,
                      "endIndex": key + 1},
            "properties": {"hiddenByUser": True}, "fields": "hiddenByUser"}},
    ]


def setup_tab(sheets: api.SheetsApi) -> bool:
    """Create or complete the Applications tab; True if anything was written."""
    info = sheets.get("sheets(properties)")
    tabs = {s["properties"]["title"]: s for s in info.get("sheets", [])}
    header: list[str] = []
    if A.APPLICATIONS in tabs:
        block = sheets.batch_get([f"{api.quote(A.APPLICATIONS)}!1:1"])
        header = [str(v).strip() for v in (block[0][0] if block and block[0] else [])]
    requests = setup_requests(tabs, header)
    if requests:
        sheets.batch_update(requests)
    return bool(requests)
