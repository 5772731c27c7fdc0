"""An erasure on the Google Sheet: every tab read in one ``values.batchGet``, the erase
plan applied in one ``batchUpdate``, which Sheets applies atomically (all requests or none:
https://developers.google.com/sheets/api/guides/batchupdate). Just before it the tabs are
read again; if a person changed any since the plan was made, nothing is written, so a row
number in the plan cannot name someone else's row after a sort.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.domain import layout
from destsync.domain.applications_tab import APPLICATIONS
from destsync.domain.erase_plan import Grid, TabEdit
from destsync.errors import TrackerError

TABS = (layout.TRACKER, layout.REVIEW, layout.LOG, layout.RETURNS, *layout.STATE_TABS)


class SheetsErase:
    api: api.SheetsApi
    headers: dict[str, str]
    _erase_read: dict[str, Grid] | None = None

    def _grids(self) -> dict[str, Grid]:
        # The Applications tab (issue 16) when this tracker has one: their rows go too.
        tabs = (*TABS, APPLICATIONS) if getattr(self, "applications", False) else TABS
        blocks = self.api.batch_get([api.quote(t) for t in tabs])
        blocks += [[]] * (len(tabs) - len(blocks))
        return {t: [[layout.canonical(v) for v in row] for row in block]
                for t, block in zip(tabs, blocks, strict=True)}

    def read_grids(self) -> dict[str, Grid]:
        self._erase_read = self._grids()
        return self._erase_read

    def rewrite(self, edits: Mapping[str, TabEdit]) -> None:
        read = self._erase_read if self._erase_read is not None else self.read_grids()
        body = self.api.get("sheets(properties(sheetId,title,gridProperties(rowCount)))")
        props = {s["properties"]["title"]: s["properties"] for s in body.get("sheets", [])}
        if self._grids() != read:
            raise TrackerError(f"{self.api.label} changed while destsync was erasing",
                               "run the erase again; nothing was written")
        requests: list[dict[str, Any]] = []
        deletes: list[dict[str, Any]] = []
        ref_i = _index(read.get(layout.TRACKER, []), self.headers["ref"])
        for tab, edit in edits.items():
            sid = int(props[tab].get("sheetId", 0))
            rows = int(props[tab].get("gridProperties", {}).get("rowCount", 0))
            grid = read.get(tab, [])
            for r, values in edit.replace.items():
                before = grid[r] if r < len(grid) else []
                # Only the cells that change: the others keep what a person typed (a date
                # stays a date), and an empty cell in a row update would clear its value.
                requests += [_cell(sid, r, c, v) for c, v in enumerate(values)
                             if v != (before[c] if c < len(before) else "")]
            end = len(grid)
            if end + len(edit.append) > rows:
                requests.append({"appendDimension": {
                    "sheetId": sid, "dimension": "ROWS", "length": end + len(edit.append) - rows}})
            requests += [_cells(sid, end + i, v) for i, v in enumerate(edit.append)]
            for r in sorted(set(edit.delete), reverse=True):
                if tab == layout.TRACKER and ref_i is not None and ref_i < len(grid[r]):
                    # The row's anchor names its Ref: it goes with the row, explicitly.
                    requests.append({"deleteDeveloperMetadata": {"dataFilter": {
                        "developerMetadataLookup": {"metadataKey": api.ANCHOR_KEY,
                                                    "metadataValue": grid[r][ref_i]}}}})
                deletes.append({"deleteDimension": {"range": {
                    "sheetId": sid, "dimension": "ROWS", "startIndex": r, "endIndex": r + 1}}})
        # Values first (their row numbers are the ones read), then the rows, bottom up.
        if requests or deletes:
            self.api.batch_update(requests + deletes)
        self._erase_read = None


def _index(grid: Grid, header: str) -> int | None:
    head = [h.strip() for h in grid[0]] if grid else []
    return head.index(header) if header in head else None


def _cell(sheet_id: int, row: int, col: int, value: str) -> dict[str, Any]:
    return {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": col},
        "rows": [api.text_cells([value])], "fields": "userEnteredValue"}}


def _cells(sheet_id: int, row: int, values: list[str]) -> dict[str, Any]:
    return {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": 0},
        "rows": [api.text_cells(values)], "fields": "userEnteredValue"}}
