"""The tracker as a local .xlsx workbook (openpyxl).

Reads everything once; writes all-or-nothing: the new workbook is saved to a temporary
file beside the old one and renamed over it, so a crash leaves the previous file intact.
If the workbook changed on disk since it was read (someone saved it in Excel), the write
is refused rather than risk losing their edit.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from destsync import layout
from destsync.adapters import xlsx_layout as L
from destsync.errors import TrackerError
from destsync.model import (
    COLUMN_BY_KEY,
    LedgerEntry,
    ResponseRecord,
    TrackerSnapshot,
)
from destsync.plan import Plan


class XlsxTracker:
    def __init__(self, path: Path, headers: Mapping[str, str]) -> None:
        self.path = path
        self.headers = dict(headers)  # column key -> header text
        self._stamp: tuple[int, int] | None = None

    # -- reading ------------------------------------------------------------------------
    def _load(self) -> Workbook:
        try:
            return load_workbook(self.path)
        except FileNotFoundError:
            wb = Workbook()
            L.ensure_tabs(wb, [self.headers[c] for c in COLUMN_BY_KEY])
            return wb
        except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise TrackerError(
                f"tracker {self.path} is not a readable .xlsx workbook ({type(exc).__name__})",
                "restore it from a backup, or move it aside so destsync creates a new one",
            ) from None

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def header_index(self, ws: Worksheet) -> dict[str, int]:
        cells = [c.value for c in ws[1]]
        return layout.index_headers(cells, self.headers, self.path.name, ws.title)

    def read(self) -> TrackerSnapshot:
        self._stamp = self._file_stamp()
        wb = self._load()
        snap = TrackerSnapshot()
        if L.TRACKER not in wb.sheetnames:
            raise TrackerError(
                f"tracker {self.path.name} has no {L.TRACKER!r} tab",
                f"rename the main tab back to {L.TRACKER!r}",
            )
        ws = wb[L.TRACKER]
        index = self.header_index(ws)
        cols = {key: index[h] for key, h in self.headers.items() if h in index}
        ref_col = cols["ref"]
        where: dict[str, int] = {}
        for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            ref = L.canonical(row[ref_col - 1] if len(row) >= ref_col else None).strip()
            if not ref:
                continue  # a row staff added by hand without a Ref is theirs alone
            layout.claim_ref(where, ref, r)
            snap.rows[ref] = {
                k: L.canonical(row[c - 1] if len(row) >= c else None) for k, c in cols.items()
            }
        if L.REVIEW in wb.sheetnames:
            for row in wb[L.REVIEW].iter_rows(min_row=2, max_col=1, values_only=True):
                if row and row[0]:
                    snap.review_keys.add(str(row[0]))
        for ref, col, value in self._state(wb, "_destsync_base"):
            snap.base[(ref, col)] = value
        for rid, submitted, outcome, ref in self._state(wb, "_destsync_responses"):
            snap.responses[rid] = ResponseRecord(rid, submitted, outcome, ref)
        for cp, year, _ in self._state(wb, "_destsync_frozen"):
            snap.frozen.add((cp, int(year)))
        for key, state, ref, campaign, at, mid in self._state(wb, "_destsync_ledger"):
            snap.ledger[key] = LedgerEntry(key, state, ref, campaign, at, mid)
        for key, value in self._state(wb, "_destsync_meta"):
            snap.meta[key] = value
        return snap

    def _state(self, wb: Workbook, tab: str) -> list[list[str]]:
        if tab not in wb.sheetnames:
            return []
        width = len(L.STATE_TABS[tab])
        return [
            [L.canonical(v) for v in row[:width]] + [""] * (width - len(row[:width]))
            for row in wb[tab].iter_rows(min_row=2, values_only=True)
            if row and row[0] is not None
        ]

    # -- writing ------------------------------------------------------------------------
    def apply(self, plan: Plan, run_id: str) -> None:
        wb = self._open_for_write()
        L.ensure_tabs(wb, [self.headers[c] for c in COLUMN_BY_KEY])
        ws = wb[L.TRACKER]
        index = self.header_index(ws)
        ref_col = index[self.headers["ref"]]
        rows = {
            L.canonical(ws.cell(row=r, column=ref_col).value): r for r in range(2, ws.max_row + 1)
        }
        for change in plan.changes:
            r = rows.get(change.ref)
            col = index.get(self.headers.get(change.column, ""))
            if r is None or col is None:
                raise TrackerError(
                    f"Ref {change.ref} is no longer in the tracker", "run the sync again"
                )
            L.set_value(ws.cell(row=r, column=col), change.new, COLUMN_BY_KEY[change.column].kind)
        next_row = _last_used_row(ws) + 1
        for new in plan.new_rows:
            for key, value in new.values.items():
                col = index.get(self.headers.get(key, ""))
                if col is not None:
                    L.set_value(ws.cell(row=next_row, column=col), value, COLUMN_BY_KEY[key].kind)
            next_row += 1
        L.add_dropdowns(ws, index, self.headers)
        for tab, rows_to_add in layout.appended_rows(plan, run_id, self.headers).items():
            for values in rows_to_add:
                _append(wb[tab], values)
        for tab, updates in layout.state_updates(plan).items():
            self._merge_state(wb, tab, layout.STATE_KEY_LEN[tab], updates)
        self._save(wb)

    def record_ledger(self, entries: Iterable[LedgerEntry]) -> None:
        wb = self._open_for_write()
        L.ensure_tabs(wb, [self.headers[c] for c in COLUMN_BY_KEY])
        self._merge_ledger(wb, list(entries))
        self._save(wb)

    def _merge_ledger(self, wb: Workbook, entries: list[LedgerEntry]) -> None:
        self._merge_state(wb, "_destsync_ledger", 1, layout.ledger_rows(entries))

    def _merge_state(
        self, wb: Workbook, tab: str, key_len: int, updates: dict[tuple[str, ...], list[str]]
    ) -> None:
        if not updates:
            return
        ws = wb[tab]
        existing = {tuple(row[:key_len]): row for row in self._state(wb, tab)}
        existing.update(updates)
        ws.protection.sheet = False
        ws.delete_rows(2, ws.max_row)
        for row in existing.values():
            r = ws.max_row + 1
            for c, v in enumerate(row, start=1):
                L.set_value(ws.cell(row=r, column=c), v)
        ws.protection.sheet = True

    def _open_for_write(self) -> Workbook:
        if self._file_stamp() != self._stamp:
            raise TrackerError(
                f"tracker {self.path.name} changed on disk while destsync was running",
                "nothing was written; run the sync again (close the file in Excel first)",
            )
        return self._load()

    def _save(self, wb: Workbook) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".destsync-", suffix=".xlsx", dir=self.path.parent)
        os.close(fd)
        try:
            wb.save(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except PermissionError:
            raise TrackerError(
                f"cannot replace {self.path.name}: the file is locked",
                "close the workbook in Excel and run the sync again; nothing was written",
            ) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        self._stamp = self._file_stamp()

    def setup(self) -> bool:
        """Create the workbook with every tab, or add missing tabs. True if it changed."""
        existed = self.path.exists()
        self._stamp = self._file_stamp()
        wb = self._load()
        before = list(wb.sheetnames)
        L.ensure_tabs(wb, [self.headers[c] for c in COLUMN_BY_KEY])
        index = self.header_index(wb[L.TRACKER])
        L.add_dropdowns(wb[L.TRACKER], index, self.headers)
        if existed and wb.sheetnames == before:
            return False
        self._save(wb)
        return True


def _last_used_row(ws: Worksheet) -> int:
    for r in range(ws.max_row, 1, -1):
        if any(c.value not in (None, "") for c in ws[r]):
            return r
    return 1


def _append(ws: Worksheet, values: list[str]) -> None:
    r = _last_used_row(ws) + 1
    for c, v in enumerate(values, start=1):
        L.set_value(ws.cell(row=r, column=c), v)
