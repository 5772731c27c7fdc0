"""The tracker's Returns and Metrics tabs on Google Sheets, and the trust's shared
Metrics tab in a spreadsheet of its own.

Inside a tracker both tabs ride on calls a sync makes anyway: they are two more ranges
of the one ``values.batchGet``, and the rebuilt Metrics tab is one more range of the one
``values.batchUpdateByDataFilter``. Only a tracker set up before the Metrics tab existed
costs more, once: the read is made again without it (a ``get`` to see which tab is
missing, and the ``batchGet``), and the write first adds the tab (one ``batchUpdate``).

The shared tab costs one ``values.batchGet`` per run, and one
``values.batchUpdateByDataFilter`` when a figure changed (plus one ``batchUpdate`` the
first time, to add the tab). Sheets has no conditional write: two tasks writing it in
the same second can lose one task's rows, which its next run writes again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.domain import layout
from destsync.domain.metrics import METRICS_TAB
from destsync.domain.model import TrackerSnapshot
from destsync.errors import TrackerError

__all__ = ["METRICS_TAB", "SheetsMetrics", "add_tab", "into_snapshot", "read_with_tabs",
           "tab_write", "titles"]
Block = list[list[Any]]
GRID_ROWS = 1000


def read_with_tabs(sheets: api.SheetsApi, ranges: Sequence[str], tabs: Sequence[str],
                   roster_tab: str) -> tuple[list[Block], Block | None]:
    """``ranges``' blocks with the Returns tab's appended, and the Metrics tab's (None
    when the tracker has no Metrics tab yet)."""
    wanted = [*ranges, api.quote(layout.RETURNS)]
    metrics: Block | None = None
    try:
        blocks = sheets.batch_get([*wanted, api.quote(METRICS_TAB)])
        blocks += [[]] * (len(wanted) + 1 - len(blocks))
        metrics = blocks.pop()
    except TrackerError:
        # Another missing tab is the error it always was; a missing Metrics tab alone
        # means a tracker set up by an older destsync: read without it.
        api.explain_missing_tab(sheets, [*tabs, layout.RETURNS], roster_tab)
        if METRICS_TAB in titles(sheets):
            raise
        blocks = sheets.batch_get(wanted)
        blocks += [[]] * (len(wanted) - len(blocks))
    return blocks, metrics


def into_snapshot(snap: TrackerSnapshot, returns: Block, metrics: Block | None) -> int:
    """The Returns rows and the Metrics tab into ``snap``; the Metrics tab's row count."""
    snap.returns = [tuple(layout.canonical(v) for v in r) for r in returns[1:] if any(r)]
    if metrics is None:
        return 0
    snap.metrics = [[layout.canonical(v) for v in r] for r in metrics]
    return len(metrics)


def titles(sheets: api.SheetsApi) -> set[str]:
    props = sheets.get("sheets(properties(title))")
    return {s["properties"]["title"] for s in props.get("sheets", [])}


def add_tab(sheets: api.SheetsApi, tab: str, sheet_ids: dict[str, int],
            rows: dict[str, int]) -> None:
    """One ``batchUpdate`` adding ``tab`` when it is missing (``sheet_ids`` from a
    ``get``), and recording it in ``sheet_ids`` and ``rows``."""
    if tab in sheet_ids:
        return
    sid = max(sheet_ids.values(), default=0) + 1
    sheets.batch_update([{"addSheet": {"properties": {
        "sheetId": sid, "title": tab,
        "gridProperties": {"rowCount": GRID_ROWS, "frozenRowCount": 1}}}}])
    sheet_ids[tab], rows[tab] = sid, GRID_ROWS


def tab_write(tab: str, rows: Sequence[Sequence[str]], before: int) -> dict[str, Any]:
    """The values write replacing a whole tab: ``rows`` from A1, and empty strings over
    the rest of the ``before`` rows it had, so no old row is left below. Counts go as
    numbers (RAW, so text never becomes a formula), for a data officer to sum."""
    width = max(len(r) for r in rows)
    cells: list[list[Any]] = [[_typed(v) for v in r] + [""] * (width - len(r)) for r in rows]
    cells += [[""] * width for _ in range(max(0, before - len(rows)))]
    return api.block(tab, 1, cells)


def _typed(value: str) -> Any:
    return int(value) if value.isdigit() and len(value) < 12 else value


class SheetsMetrics:
    """The trust's shared Metrics tab in its own spreadsheet (``metrics.spreadsheet_id``)."""

    def __init__(self, sheets: api.SheetsApi, tab: str, calls: Counter[str]) -> None:
        self.api = sheets
        self.tab = tab
        self.api_calls = calls
        self._rows = 0
        self._exists = True

    def read(self) -> list[list[str]] | None:
        try:
            block = self.api.batch_get([api.quote(self.tab)])
        except TrackerError as exc:
            if "was not found" in exc.message:  # the tracker's hint would name the wrong key
                exc.hint = ("check metrics.spreadsheet_id in the config, and that the sheet "
                            "is shared with the service account as an editor")
                raise
            if self.tab in titles(self.api):
                raise
            self._rows, self._exists = 0, False
            return None
        values = block[0] if block else []
        self._rows, self._exists = len(values), True
        return [[layout.canonical(v) for v in r] for r in values]

    def write(self, rows: Sequence[Sequence[str]]) -> None:
        if not self._exists:
            have = self.api.get("sheets(properties(sheetId,title))")
            ids = {s["properties"]["title"]: int(s["properties"].get("sheetId", 0))
                   for s in have.get("sheets", [])}
            add_tab(self.api, self.tab, ids, {})
            self._exists = True
        self.api.update_by_filter([tab_write(self.tab, rows, self._rows)])
        self._rows = max(self._rows, len(rows))
