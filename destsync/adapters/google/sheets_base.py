"""What every Sheets write of the tracker shares: the spreadsheet's grid as ``get`` saw it,
growing a tab before a values write runs past it, rows of ``_destsync_meta`` written
inside a ``batchUpdate``, the write lock's release and the journal of a large write."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.adapters.google import sheets_journal as jr
from destsync.adapters.google import sheets_lock as lock
from destsync.adapters.google.retry import AmbiguousWrite
from destsync.adapters.google.sheets_verify import Seen
from destsync.domain.model import TrackerSnapshot
from destsync.errors import DestsyncError

META = "_destsync_meta"
GROWTH_STEP = 500
LOCK_LEFT = ("the values are written, but the Tracker, Review, Change log and Returns tabs "
             "may still be protected ('destsync is writing'); the next run removes that")


@dataclass
class Grid:
    sheet_ids: dict[str, int]
    rows: dict[str, int]
    marks: list[dict[str, Any]]
    locks: list[int] = field(default_factory=list)  # write locks found (a stopped run's)


class SheetsWriter:
    api: api.SheetsApi
    _seen: Seen | None

    def read(self) -> TrackerSnapshot:
        raise NotImplementedError

    def _journal(self, grid: Grid, kind: str, first: list[dict[str, Any]],
                 rest: list[jr.Step]) -> list[dict[str, Any]]:
        """``first`` as the first part of a write whose ``rest`` did not fit in it: the
        rest saved to the journal tab, ``first`` marked, the last part unmarking."""
        if not rest:
            return first
        growth: dict[str, int] = {}
        rest[-1][1].append(self._marker(grid, rest[-1][0], "", growth))
        cells = jr.cells_of(rest)
        if jr.JOURNAL_TAB not in grid.sheet_ids:
            reply = self.api.batch_update([jr.add_tab(len(cells) + GROWTH_STEP)])
            props = reply["replies"][0]["addSheet"]["properties"]
            grid.sheet_ids[jr.JOURNAL_TAB] = int(props["sheetId"])
            grid.rows[jr.JOURNAL_TAB] = len(cells) + GROWTH_STEP
        growth[jr.JOURNAL_TAB] = len(cells)
        mark = self._marker(grid, kind, str(len(cells)), growth)
        self._grow(self._growth(grid, growth))
        self.api.update_by_filter([api.block(jr.JOURNAL_TAB, 1 + i, [[c]])
                                   for i, c in enumerate(cells)])
        return [*first, mark]

    def _marker(self, grid: Grid, kind: str, value: str,
                growth: dict[str, int]) -> dict[str, Any]:
        """The journal's row in _destsync_meta, as a request of ``kind``."""
        row = self._meta_row(jr.JOURNAL_KEY, growth)
        if kind == "batch":
            return self._meta_cells(grid, jr.JOURNAL_KEY, value)
        return api.block(META, row, [[jr.JOURNAL_KEY, value]])

    def _unlock(self, grid: Grid, ids: list[int]) -> None:
        """Remove the write lock and its record in one batchUpdate. Whether an ambiguous
        failure applied it is found by looking (a second delete of an id is a 400)."""
        clear = [self._meta_cells(grid, lock.LOCK_KEY, "")]
        if jr.JOURNAL_TAB in grid.sheet_ids:
            # The journal's parts hold the write's values, contact details among them: once
            # the write is whole they go with the lock, in the same request (no extra call).
            clear.append({"updateCells": {"range": {"sheetId": grid.sheet_ids[jr.JOURNAL_TAB]},
                                          "fields": "userEnteredValue"}})
        try:
            try:
                riders = self.api.riders  # the lease's release, when nothing follows
                self.api.batch_update([*lock.unlock_requests(ids or grid.locks), *clear,
                                       *riders])
                self.api.riders = []
            except DestsyncError:
                grid.locks = lock.held(self.api.get("sheets(protectedRanges)"))
                self.api.batch_update([*lock.unlock_requests(grid.locks), *clear])
        except DestsyncError as exc:
            exc.hint = LOCK_LEFT
            raise
        grid.locks = []

    def _meta_row(self, key: str, growth: dict[str, int]) -> int:
        """The 1-based row of ``key`` in _destsync_meta, given a new row at the end if
        it has none yet (``growth`` learns the tab's new end)."""
        seen = self._require_read()
        positions = seen.state_rows.setdefault(META, {})
        if (key,) not in positions:
            positions[(key,)] = seen.state_end[META] = seen.state_end.get(META, 1) + 1
            growth[META] = seen.state_end[META]
        return positions[(key,)]

    def _meta_cells(self, grid: Grid, key: str, value: str) -> dict[str, Any]:
        """An updateCells writing one _destsync_meta row, for a batchUpdate."""
        at = self._meta_row(key, {}) - 1
        return {"updateCells": {
            "start": {"sheetId": grid.sheet_ids[META], "rowIndex": at, "columnIndex": 0},
            "rows": [api.text_cells([key, value])], "fields": "userEnteredValue"}}

    def _growth(self, grid: Grid, growth: dict[str, int]) -> list[dict[str, Any]]:
        """appendDimension requests for tabs a values write would run past (values writes
        never extend the grid). Rows come in steps of 500 so that growth is rare."""
        reqs = []
        for tab, need in growth.items():
            have = grid.rows.get(tab, 0)
            if need > have:
                reqs.append({"appendDimension": {"sheetId": grid.sheet_ids[tab],
                                                 "dimension": "ROWS",
                                                 "length": need - have + GROWTH_STEP}})
                grid.rows[tab] = need + GROWTH_STEP
        return reqs

    def _grow(self, reqs: list[dict[str, Any]]) -> None:
        """Extra empty rows are harmless, so growth alone may be retried blindly."""
        if reqs:
            try:
                self.api.batch_update(reqs)
            except AmbiguousWrite:
                self.api.batch_update(reqs)

    def _require_read(self) -> Seen:
        if self._seen is None:
            self.read()
        assert self._seen is not None
        return self._seen

