"""Rows of the tracker spreadsheet: hidden state rows read into the snapshot, and the
structural part of a write (the requests that anchor rows and add new ones, for the one
atomic ``batchUpdate`` that also takes the write lock)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.adapters.google.sheets_verify import Fresh, Seen
from destsync.domain import base_tab
from destsync.domain.model import LedgerEntry, ResponseRecord, TrackerSnapshot
from destsync.domain.plan import NewRow


def rows_requests(new_rows: Sequence[NewRow], sid: int, grid_rows: int, fresh: Fresh,
                  col: dict[str, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Requests that anchor the Ref column and unanchored rows and insert ``new_rows``
    (each anchored in the same request) after the last row with a Ref; and one
    updateCells a new row that fills it, at its place (absolute: safe to send twice)."""
    reqs: list[dict[str, Any]] = []
    fills: list[dict[str, Any]] = []
    if not fresh.ref_col_anchored:
        reqs.append(api.ref_column_anchor(sid, col["ref"] - 1))
    for ref in fresh.stale:
        reqs.append({"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
            "metadataKey": api.ANCHOR_KEY, "metadataValue": ref}}}})
    for ref, r in sorted(fresh.unanchored.items()):
        reqs.append(api.meta(api.ANCHOR_KEY, ref, api.rows_location(sid, r - 1, r)))
    n = len(new_rows)
    if n:
        at = max(1, min(fresh.last_row, grid_rows))  # 0-based insert index
        reqs.append({"insertDimension": {
            "range": {"sheetId": sid, "dimension": "ROWS", "startIndex": at,
                      "endIndex": at + n},
            "inheritFromBefore": at > 1}})
        width = max(col.values())
        for i, new in enumerate(new_rows):
            values: list[str | None] = [None] * width
            for key, value in new.values.items():
                if key in col:
                    values[col[key] - 1] = value
            reqs.append(api.meta(api.ANCHOR_KEY, new.ref, api.rows_location(sid, at + i,
                                                                            at + i + 1)))
            fills.append({"updateCells": {"start": {"sheetId": sid, "rowIndex": at + i,
                                                    "columnIndex": 0},
                                          "rows": [api.text_cells(values)],
                                          "fields": "userEnteredValue"}})
    return reqs, fills


def into_snapshot(snap: TrackerSnapshot, tab: str, row: list[str]) -> None:
    # The merge base is read whole by base_tab.decode (one row per Ref, or per cell).
    if tab == "_destsync_responses":
        snap.responses[row[0]] = ResponseRecord(*row[:5])
    elif tab == "_destsync_frozen" and row[1].isdigit():
        snap.frozen.add((row[0], int(row[1])))
    elif tab == "_destsync_ledger":
        snap.ledger[row[0]] = LedgerEntry(*row[:6])
    elif tab == "_destsync_meta":
        snap.meta[row[0]] = row[1]


def base_rows(seen: Seen, updates: Mapping[tuple[str, str], str]
              ) -> dict[tuple[str, ...], list[str]]:
    """The merge base rows of the Refs ``updates`` touches, each Ref's whole base in its
    one JSON row (``base_tab``). ``seen.base`` learns the new base."""
    positions = seen.state_rows.get(base_tab.BASE_TAB, {})
    rows: dict[tuple[str, ...], list[str]] = {}
    for ref, cells in base_tab.by_ref(updates).items():
        whole = seen.base.setdefault(ref, {})
        whole.update(cells)
        row, apart = base_tab.encode_ref(ref, whole)
        rows[(ref,)] = [*row, ""]
        # A one-cell row the JSON now holds is blanked: an old value (an email since
        # withdrawn) must not stay in the tab, even where it would no longer be read.
        rows.update({(ref, col): ["", "", ""] for col in whole if (ref, col) in positions})
        rows.update({(ref, col): [ref, col, value] for ref, col, value in apart})
    return rows


def runs(rows: Mapping[int, list[str]]) -> list[tuple[int, list[list[str]]]]:
    """Rows written in place, as one block per run of consecutive rows: converting a
    Ref's merge base blanks its old rows, which lie together, in one range, not 20."""
    runs: list[tuple[int, list[list[str]]]] = []
    for r in sorted(rows):
        if runs and runs[-1][0] + len(runs[-1][1]) == r:
            runs[-1][1].append(rows[r])
        else:
            runs.append((r, [rows[r]]))
    return runs


def state_data(state_rows: dict[str, dict[tuple[str, ...], int]], state_end: dict[str, int],
               updates: dict[str, dict[tuple[str, ...], list[str]]], growth: dict[str, int]
               ) -> list[dict[str, Any]]:
    """Rows for the hidden state tabs: in place when the key is known, else appended.
    The tabs belong to destsync (hidden, protected), so positions from the read hold."""
    data: list[dict[str, Any]] = []
    for tab, rows in updates.items():
        if not rows:
            continue
        positions = state_rows.setdefault(tab, {})
        fresh_rows: list[list[str]] = []
        in_place: dict[int, list[str]] = {}
        for key, values in rows.items():
            r = positions.get(key)
            if r is None:
                r = state_end.get(tab, 1) + 1 + len(fresh_rows)
                positions[key] = r
                fresh_rows.append(values)
            else:
                in_place[r] = values
        data += [api.block(tab, start, run) for start, run in runs(in_place)]
        if fresh_rows:
            start = state_end.get(tab, 1) + 1
            data.append(api.block(tab, start, fresh_rows))
            state_end[tab] = start + len(fresh_rows) - 1
            growth[tab] = state_end[tab]
    return data

