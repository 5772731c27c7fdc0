"""The tracker as a Google Sheet: the same TrackerSnapshot as the workbook, read in one
batched request, written in a constant number of requests whatever the row count.

A sync costs one ``values.batchGet`` when nothing changes. When there is something to
write: ``get`` (tab ids and sizes; the lease's read-back when there is a lease, so no call
of its own), one ``batchUpdate`` (the lock and the new rows, placed by what the read saw),
``values.batchGetByDataFilter`` under the lock (the fresh header, the Ref column and every
row about to change, found by its anchor), one ``values.batchUpdateByDataFilter`` for
every value and one ``batchUpdate`` that removes the lock (and the lease, when nothing
follows). Rows without an anchor found by the re-read are anchored, and read again, first.

**Anchors.** Each row carries developer metadata ``destsync.ref = <Ref>``. Values are
written through data filters on that anchor, so a write lands on the student's row even
when staff sorted the sheet or inserted rows after destsync read it; columns are found by
header in the fresh read, so an inserted column moves the write with it.

**No lost edits.** Sheets has no conditional write. So the structural ``batchUpdate``
also takes a write lock (``sheets_lock``: the tabs destsync writes are protected until
the value write is done), and every cell about to change is re-read after it. A cell that
no longer holds what destsync planned against was edited by a person during the run: it
is not written, its merge base is not moved, and a Conflict row on the Review tab shows
both values. Under the lock nothing changes between that re-read and the write, except
by the spreadsheet's owner, whom Google never locks out.

**Consistency when a run stops.** New rows go first (complete, anchored, in one atomic
``batchUpdate``); then the cell values together with the merge base, the review, the log
and the state tabs in one ``batchUpdateByDataFilter``. The ``batchUpdate`` also writes,
in the same atomic request, a ``pending_rows`` row in ``_destsync_meta`` naming the
rows it added; the value write clears it. A run stopped between the two leaves that list:
the next run reads it (in the read it makes anyway), plans those rows as new again, so
the merge base, Review, Change log and Returns come out as an uninterrupted run's, and
does not add them a second time. A write over 2 MB goes in parts, journaled so that a
stop between them is finished by the next read (``sheets_journal``). Values are always
sent RAW.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.adapters.google import sheets_apps as apps
from destsync.adapters.google import sheets_journal as jr
from destsync.adapters.google import sheets_lock as lock
from destsync.adapters.google import sheets_metrics as mtabs
from destsync.adapters.google.retry import AmbiguousWrite, RetryPolicy
from destsync.adapters.google.sheets_base import META, SheetsWriter
from destsync.adapters.google.sheets_base import Grid as _Grid
from destsync.adapters.google.sheets_erase import SheetsErase
from destsync.adapters.google.sheets_rows import (
    base_rows,
    into_snapshot,
    rows_requests,
    state_data,
)
from destsync.adapters.google.sheets_verify import Fresh, Late, Seen, review_updates, without
from destsync.domain import base_tab, layout
from destsync.domain.layout import cell
from destsync.domain.model import COLUMN_BY_KEY, LedgerEntry, TrackerSnapshot
from destsync.domain.plan import CellChange, Plan
from destsync.errors import DestsyncError, TrackerError

STATE_WIDTH = {tab: len(cols) for tab, cols in layout.STATE_TABS.items()}
AMBIGUOUS_TRIES = 5
PENDING_KEY = "pending_rows"  # _destsync_meta: Refs added by a batchUpdate, not yet filled
HALF_WRITTEN = ("new rows were added to the Tracker, and their merge base, Review and "
                "Change log entries may not be written yet; run the sync again: it "
                "completes them and adds no row twice")


class GoogleSheetsTracker(SheetsWriter, SheetsErase):
    def __init__(
        self, sheets: api.SheetsApi, headers: Mapping[str, str], policy: RetryPolicy | None = None,
        roster_tab: str = "", applications: bool = False,
    ) -> None:
        self.api = sheets
        self.applications = applications  # read the Applications tab (a check-in form)
        # The MIS export pasted into a tab: read in the tracker's one batchGet.
        self.roster_tab = roster_tab
        self.roster_values: list[list[Any]] | None = None
        self.policy = policy or RetryPolicy()
        self.headers = dict(headers)
        self._seen: Seen | None = None
        self._grid: _Grid | None = None
        self._late, self._metrics_rows = 0, 0  # Metrics rows when read: blanked if fewer

    # -- reading ------------------------------------------------------------------------
    def read(self) -> TrackerSnapshot:
        tabs = [layout.TRACKER, layout.REVIEW, *layout.STATE_TABS]
        ranges = [api.quote(layout.TRACKER), api.quote(layout.REVIEW)]
        ranges += [api.quote(t) for t in layout.STATE_TABS]
        if self.roster_tab:
            tabs.append(self.roster_tab)
            ranges.append(api.quote(self.roster_tab))
        if self.applications:
            tabs.append(apps.APPLICATIONS)
            ranges.append(api.quote(apps.APPLICATIONS))
        blocks, metrics = mtabs.read_with_tabs(self.api, ranges, tabs, self.roster_tab)
        returns = blocks.pop()
        applications = blocks.pop() if self.applications else []
        if self.roster_tab:
            self.roster_values = blocks.pop()
        tracker, review, *state = blocks
        seen = Seen(apps_tab=self.applications)
        snap = TrackerSnapshot()
        apps.into_snapshot(snap, applications)
        self._metrics_rows = mtabs.into_snapshot(snap, returns, metrics)
        header = tracker[0] if tracker else []
        cols = layout.read_tracker_rows(header, tracker[1:], self.headers, self.api.label, snap)
        seen.ref_col = cols["ref"]
        seen.as_read = Fresh.from_read(tracker, seen.ref_col, {layout.REVIEW: len(review),
                                                              layout.RETURNS: len(returns)},
                                       applications)
        layout.read_review(review, snap)
        seen.review_header = [layout.canonical(h).strip() for h in (review[:1] or [[]])[0]]
        base_block: list[list[str]] = []
        for tab, block in zip(layout.STATE_TABS, state, strict=True):
            width, key_len = STATE_WIDTH[tab], layout.STATE_KEY_LEN[tab]
            positions: dict[tuple[str, ...], int] = {}
            for r, raw in enumerate(block[1:], start=2):
                row = [layout.canonical(cell(raw, c)) for c in range(1, width + 1)]
                if not row[0]:
                    continue
                if tab == base_tab.BASE_TAB:
                    base_block.append(row)
                    positions[base_tab.row_key(row)] = r
                    continue
                positions[tuple(row[:key_len])] = r
                into_snapshot(snap, tab, row)
            seen.state_rows[tab] = positions
            seen.state_end[tab] = max(len(block), 1)
        snap.base = base_tab.decode(base_block)
        seen.base = base_tab.by_ref(snap.base)
        seen.known_submitted = [r.submitted for r in snap.responses.values()]
        seen.parked = [r.submitted for r in snap.responses.values() if r.outcome == "review"]
        listed = snap.meta.pop(PENDING_KEY, "")
        seen.pending = {ref for ref in listed.split(",") if ref in snap.rows}
        for ref in seen.pending:
            del snap.rows[ref]  # planned as new again; apply() fills, never re-adds them
        self._seen = seen
        cells = snap.meta.pop(jr.JOURNAL_KEY, "")
        if cells.isdigit() and int(cells):  # a stopped run's write: finish it, then read
            jr.replay(self.api, int(cells))
            return self.read()
        if snap.meta.pop(lock.LOCK_KEY, ""):
            self._unlock(self._load_grid(), [])  # a stopped run's lock: staff get the tabs back
        return snap

    def forget_read(self) -> None:
        """Let go of what only planning and the main write needed (where each state row
        sits, the roster tab), once the run moves on to the next academy: the ledger's
        places stay, for the sends' flushes. A trust run holds one academy's at a time."""
        if self._seen is not None:
            keep = ("_destsync_ledger", META)
            self._seen.state_rows = {t: r for t, r in self._seen.state_rows.items()
                                     if t in keep}
            self._seen.known_submitted, self._seen.parked = [], []
        self.roster_values = None

    def read_tabs(self, titles: Sequence[str]) -> dict[str, list[dict[str, str]]]:
        # One batched read; a tab that is missing means `destsync setup` never ran.
        blocks = self.api.batch_get([api.quote(t) for t in titles])
        blocks += [[]] * (len(titles) - len(blocks))
        return {t: layout.rows_by_header(b) for t, b in zip(titles, blocks, strict=True)}

    def watermark(self) -> str:
        """Where to read responses from, from the last read (ISO, UTC), or "" for all."""
        seen = self._seen or Seen()
        return layout.read_from(seen.known_submitted, seen.parked)

    # -- writing ------------------------------------------------------------------------
    def apply(self, plan: Plan, run_id: str) -> int:
        seen = self._require_read()
        grid = self._load_grid()
        if plan.metrics is not None:
            mtabs.add_tab(self.api, mtabs.METRICS_TAB, grid.sheet_ids, grid.rows)
        # The structural step is placed by what the read saw (no re-read before it): the
        # one re-read is made after it, under the lock, and corrects what moved since.
        read = seen.as_read
        assert read is not None  # set by every read
        col = self._columns(read)
        adding = replace(plan, new_rows=[n for n in plan.new_rows if n.ref not in seen.pending])
        tab_ids = lock.lock_ids(run_id, grid.sheet_ids)
        ids = list(tab_ids.values())
        growth: dict[str, int] = {}
        self._meta_row(lock.LOCK_KEY, growth)
        self._meta_row(jr.JOURNAL_KEY, growth)  # placed now: its row must not move
        # One batchUpdate: the lock (see sheets_lock) and its record, grid growth, the new
        # rows, and the list of them the next run needs if this one stops before the value
        # write (which clears it). From here on only destsync edits these tabs.
        structural = [*lock.unlock_requests(grid.locks), *lock.lock_requests(grid.sheet_ids,
                                                                             tab_ids),
                      self._meta_cells(grid, lock.LOCK_KEY, ",".join(map(str, ids)))]
        anchors, fills = rows_requests(adding.new_rows, grid.sheet_ids[layout.TRACKER],
                                       grid.rows[layout.TRACKER], read, col)
        structural += anchors
        grid.rows[layout.TRACKER] += len(adding.new_rows)
        added = sorted(seen.pending | {n.ref for n in adding.new_rows})
        places = copy.deepcopy((seen.state_rows, seen.state_end))
        growth.update(self._payload(plan, bool(added), read, col, run_id, verify=False)[1])
        if added:
            structural.append(self._meta_cells(grid, PENDING_KEY, ",".join(added)))
        half = HALF_WRITTEN if added else "run the sync again"
        limit = self.api.max_body - jr.MARGIN
        head = self._growth(grid, growth) + structural
        later = api.parts(fills, limit)
        if later and api.size(head + later[0]) <= limit:
            head += later.pop(0)  # the usual case: all in one request
        try:
            rest = [("batch", part) for part in later]
            self._batch_update_once(self._journal(grid, "batch", head, rest), grid, run_id)
            for kind, body in rest:  # new rows' cells that did not fit (see sheets_journal)
                jr.send(self.api, kind, body)
        except DestsyncError as exc:
            exc.hint = "if Google applied it, " + half
            raise
        grid.locks = ids
        journaled = False
        try:
            # Staff may have edited, sorted or inserted columns before the lock: read
            # again, under the lock, so the check still holds when the value write lands.
            fresh, before = Fresh.fetch(self.api, self.headers["ref"], plan, seen), col
            if not fresh.ref_col_anchored or fresh.stale or fresh.unanchored:
                # Rows typed in by hand, or a Ref retyped, since the last run: anchor them
                # now, under the lock, and read again (two calls, only then).
                fix, _ = rows_requests([], grid.sheet_ids[layout.TRACKER],
                                       grid.rows[layout.TRACKER], fresh, self._columns(fresh))
                self._batch_update_once(fix, grid, run_id)
                fresh = Fresh.fetch(self.api, self.headers["ref"], plan, seen)
            moved = sorted({*fresh.stale, *fresh.unanchored})
            if moved:  # an anchor just made sits on another student's row: never write blind
                raise TrackerError(f"rows of {self.api.label} moved while destsync was "
                                   f"writing (Ref {moved[0]})", half)
            col = self._columns(fresh)
            seen.state_rows, seen.state_end = places  # the same places, planned again
            data, growth = self._payload(plan, bool(added), fresh, col, run_id)
            if col != before:  # the new rows' cells went in by the old columns: redo them
                data += [api.row_write(n.ref, n.values, col, "") for n in adding.new_rows]
            self._grow(self._growth(grid, growth))  # only if the re-plan outgrew the grid
            first, *later = api.parts(data, limit) or [[]]
            rest = [("values", part) for part in later]
            self.api.update_by_filter(self._journal(grid, "values", first, rest))
            journaled = bool(rest)  # from here a stop is finished by the next run's replay
            for kind, body in rest:
                jr.send(self.api, kind, body)
        except DestsyncError as exc:
            if added:
                exc.hint = HALF_WRITTEN
            if journaled:
                exc.hint += "; the next run first finishes this write, then removes its lock"
                raise
            try:
                self._unlock(grid, ids)
            except DestsyncError:
                exc.hint += "; the next run also removes the 'destsync is writing' protection"
            raise
        seen.pending = set()
        self._metrics_rows = max(len(plan.metrics or []), self._metrics_rows)
        self._unlock(grid, ids)
        seen.known_submitted += [r.submitted for r in plan.responses]
        return self._late  # cells found edited at write time (Review Conflict rows)

    def _payload(self, plan: Plan, pending: bool, fresh: Fresh, col: dict[str, int],
                 run_id: str, verify: bool = True) -> tuple[list[dict[str, Any]],
                                                            dict[str, int]]:
        """The value write for ``plan`` against ``fresh``, and the rows each tab needs
        (``verify`` False: every change as planned, for the grid growth it needs)."""
        data: list[dict[str, Any]] = []
        growth: dict[str, int] = {}
        changes, late = self._verify(plan.changes, fresh, col) if verify else (
            [(c.ref, col[c.column], c.new) for c in plan.changes if c.column in col], Late())
        app_data, growth[apps.APPLICATIONS] = apps.payload(plan, fresh.apps, late)
        self._late = len(late.review)
        data += [api.row_write(ref, dict(cells), {c: c for c, _ in cells}, None)
                 for ref, cells in api.by_ref(changes).items()] + app_data
        written = without(plan, late)
        data += review_updates(plan.review_updates, self._require_read().review_header,
                               fresh.review_at)
        for tab, rows in layout.appended_rows(written, run_id, self.headers).items():
            if tab == layout.REVIEW:  # by the tab's own header: an older tab keeps its order
                rows = layout.in_tab_order(rows, self._require_read().review_header)
            if rows:
                start = fresh.ends[tab] + 1
                data.append(api.block(tab, start, rows))
                growth[tab] = start + len(rows) - 1
        state = layout.state_updates(written)
        state[base_tab.BASE_TAB] = base_rows(self._require_read(), written.base_updates)
        state[META] = {**state.get(META, {}), **self._meta_rows(plan)}
        if pending:  # the value write clears the list the batchUpdate writes, last
            state[META][(PENDING_KEY,)] = [PENDING_KEY, ""]
        data += self._state_data(state, growth)
        if plan.metrics is not None:  # the whole tab, rebuilt, in the same one write
            data.append(mtabs.tab_write(mtabs.METRICS_TAB, plan.metrics, self._metrics_rows))
            growth[mtabs.METRICS_TAB] = max(len(plan.metrics), self._metrics_rows)
        return data, growth

    def _columns(self, fresh: Fresh) -> dict[str, int]:
        index = layout.index_headers(fresh.header, self.headers, self.api.label, layout.TRACKER)
        return {key: index[h] for key, h in self.headers.items() if h in index}

    def record_ledger(self, entries: Iterable[LedgerEntry], last: bool = True) -> None:
        # One small write per flush whatever ``last`` says: a Sheet has no file to rewrite.
        entries = list(entries)
        if not entries:
            return
        self._require_read()
        grid = self._load_grid()
        growth: dict[str, int] = {}
        data = self._state_data({"_destsync_ledger": layout.ledger_rows(entries)}, growth)
        self._grow(self._growth(grid, growth))
        self.api.update_by_filter(data)

    # -- helpers --------------------------------------------------------------------------
    def _load_grid(self) -> _Grid:
        if self._grid is None:
            body = self.api.layout()
            ids, rows = {}, {}
            for s in body.get("sheets", []):
                p = s.get("properties", {})
                ids[p.get("title", "")] = int(p.get("sheetId", 0))
                rows[p.get("title", "")] = int(p.get("gridProperties", {}).get("rowCount", 0))
            marks = [m for m in body.get("developerMetadata", [])
                     if m.get("metadataKey") == api.MARK_KEY]
            self._grid = _Grid(ids, rows, marks, lock.held(body))
        return self._grid

    def _verify(
        self, planned: list[CellChange], fresh: Fresh, col: dict[str, int]
    ) -> tuple[list[tuple[str, int, str]], Late]:
        """Keep the changes whose cell still holds what the plan was made against."""
        keep: list[tuple[str, int, str]] = []
        late = Late()
        for ch in planned:
            c = col.get(ch.column)
            row = fresh.rows.get(ch.ref)
            if c is None or row is None:
                late.drop(ch, "", "The row was deleted while destsync was running, so this "
                          "value from the form was not written. Add it by hand if needed.")
                continue
            now = layout.canonical_text(cell(row, c), COLUMN_BY_KEY[ch.column].kind)
            if now != ch.old:
                late.drop(ch, now, "A person changed this cell while destsync was running, so "
                          "destsync left it alone. Copy the form's value in if it is right.")
                continue
            keep.append((ch.ref, c, ch.new))
        return keep, late

    def _batch_update_once(self, reqs: list[dict[str, Any]], grid: _Grid, run_id: str) -> None:
        """batchUpdate adds rows, so a blind retry could add them twice. It carries a
        marker; after an ambiguous failure the marker says whether it was applied."""
        mark = f"{run_id}:{len(reqs)}"
        core = [*reqs, api.meta(api.MARK_KEY, mark, {"spreadsheet": True})]
        for attempt in range(AMBIGUOUS_TRIES):
            try:
                reply = self.api.batch_update(api.forget(grid.marks) + core)
                break
            except AmbiguousWrite:
                if attempt == AMBIGUOUS_TRIES - 1:
                    raise  # maybe applied: the next run finds its pending_rows and completes
                found = self.api.search_metadata(
                    [{"developerMetadataLookup": {"metadataKey": api.MARK_KEY}}]
                )
                if any(m.get("metadataValue") == mark for m in found):
                    grid.marks = [m for m in found if m.get("metadataValue") == mark]
                    return  # it was applied; only the answer was lost on the way back
                grid.marks = found
                self.policy.sleep(self.policy.backoff(attempt, None))
        grid.marks = [r["createDeveloperMetadata"]["developerMetadata"]
                      for r in reply.get("replies", [])
                      if r.get("createDeveloperMetadata", {}).get("developerMetadata", {})
                      .get("metadataKey") == api.MARK_KEY]

    def _meta_rows(self, plan: Plan) -> dict[tuple[str, ...], list[str]]:
        seen = self._require_read()
        mark = layout.newest_submitted(
            [*seen.known_submitted, *(r.submitted for r in plan.responses)]
        )
        return {(layout.WATERMARK_KEY,): [layout.WATERMARK_KEY, mark]} if mark else {}

    def _state_data(
        self, updates: dict[str, dict[tuple[str, ...], list[str]]], growth: dict[str, int]
    ) -> list[dict[str, Any]]:
        seen = self._require_read()
        return state_data(seen.state_rows, seen.state_end, updates, growth)
