"""The tracker as a local .xlsx workbook (openpyxl).

Reads everything once; writes all-or-nothing: the new workbook is saved to a temporary
file beside the old one and renamed over it, so a crash leaves the previous file intact.
If the workbook changed on disk since it was read (someone saved it in Excel), the write
is refused rather than risk losing their edit.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from destsync.adapters.local import ledger_journal as journal
from destsync.adapters.local import xlsx_layout as L
from destsync.domain import layout
from destsync.domain.erase_plan import TabEdit
from destsync.domain.metrics import METRICS_TAB
from destsync.domain.model import (
    COLUMN_BY_KEY,
    LedgerEntry,
    ResponseRecord,
    TrackerSnapshot,
)
from destsync.domain.plan import Plan
from destsync.errors import TrackerError

# What a workbook damaged inside its zip raises while openpyxl reads it: a flipped byte
# or a cut-off file surfaces as any of these, from the zip, zlib or XML layer (an XML
# ParseError is a SyntaxError). None is a DestsyncError, so the run's own errors pass.
DAMAGE: tuple[type[BaseException], ...] = (
    InvalidFileException, zipfile.BadZipFile, zlib.error, EOFError, SyntaxError,
    NotImplementedError, OSError, KeyError, ValueError, TypeError, IndexError, AttributeError,
)


class XlsxTracker:
    def __init__(self, path: Path, headers: Mapping[str, str]) -> None:
        self.path = path
        self.headers = dict(headers)  # column key -> header text
        self._stamp: tuple[int, int] | None = None
        self._tracker_headers = [self.headers[c] for c in COLUMN_BY_KEY]
        # The workbook as last saved by this run. The sends record the ledger every few
        # messages; loading a 2,000-row workbook again for each batch cost seconds apiece.
        self._saved: Workbook | None = None
        # The ledger journal's generation the file names, and the rows journalled under it
        # that the next save folds into the ledger tab (see ledger_journal).
        self._generation = ""
        self._journalled: list[LedgerEntry] = []

    # -- reading ------------------------------------------------------------------------
    def _load(self, read_only: bool = False) -> Workbook:
        try:
            # Read-only streams the sheets instead of building every cell: reading a
            # 2,000-row tracker this way takes a fraction of the time. Writes need the
            # full model.
            wb = load_workbook(self.path, read_only=read_only)
            if read_only:
                # Read-only trusts the file's own note of its size, which some programs
                # write wrong; a stale one would silently hide rows. Read to the end.
                for ws in wb.worksheets:
                    ws.reset_dimensions()
            return wb
        except FileNotFoundError:
            wb = Workbook()
            L.ensure_tabs(wb, self._tracker_headers)
            return wb
        except PermissionError:
            # Not a damaged file: the old hint ("move it aside so destsync creates a new
            # one") would have thrown away every staff edit for a permissions problem.
            raise TrackerError(
                f"tracker {self.path} cannot be read: permission denied",
                "close it if another program has it locked, and give the account that runs "
                "destsync read and write access to it; nothing was written",
            ) from None
        except DAMAGE as exc:
            raise self._damaged(exc) from None

    def _damaged(self, exc: BaseException) -> TrackerError:
        return TrackerError(
            f"tracker {self.path} is not a readable .xlsx workbook ({type(exc).__name__})",
            "restore it from a backup, or move it aside so destsync creates a new one; "
            "nothing was written",
        )

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def header_index(self, ws: Worksheet) -> dict[str, int]:
        cells = list(next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ()))
        return layout.index_headers(cells, self.headers, self.path.name, ws.title)

    def read(self) -> TrackerSnapshot:
        self._stamp = self._file_stamp()
        self._saved = None
        wb = self._load(read_only=True)
        try:
            snap = self._snapshot(wb)
        except DAMAGE as exc:
            # Read-only mode streams each sheet: damage inside the zip shows only now.
            raise self._damaged(exc) from None
        finally:
            wb.close()  # a read-only workbook holds the file open until closed
        self._generation = snap.meta.get(journal.GENERATION_KEY, "")
        self._journalled = journal.read_journal(self.path, self._generation)
        for e in self._journalled:
            snap.ledger[e.key] = e
        return snap

    def _snapshot(self, wb: Workbook) -> TrackerSnapshot:
        snap = TrackerSnapshot()
        if L.TRACKER not in wb.sheetnames:
            raise TrackerError(
                f"tracker {self.path.name} has no {L.TRACKER!r} tab",
                f"rename the main tab back to {L.TRACKER!r}",
            )
        ws = wb[L.TRACKER]
        header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        layout.read_tracker_rows(header, ws.iter_rows(min_row=2, values_only=True),
                                 self.headers, self.path.name, snap)
        if L.REVIEW in wb.sheetnames:
            layout.read_review(wb[L.REVIEW].iter_rows(values_only=True), snap)
        for ref, col, value in self._state(wb, "_destsync_base"):
            snap.base[(ref, col)] = value
        for rid, submitted, outcome, ref, parsed in self._state(wb, "_destsync_responses"):
            snap.responses[rid] = ResponseRecord(rid, submitted, outcome, ref, parsed)
        for cp, year, _ in self._state(wb, "_destsync_frozen"):
            snap.frozen.add((cp, int(year)))
        for key, state, ref, campaign, at, mid in self._state(wb, "_destsync_ledger"):
            snap.ledger[key] = LedgerEntry(key, state, ref, campaign, at, mid)
        for key, value in self._state(wb, "_destsync_meta"):
            snap.meta[key] = value
        if L.RETURNS in wb.sheetnames:
            snap.returns = [tuple(r) for r in L.read_block(wb[L.RETURNS])[1:] if any(r)]
        if METRICS_TAB in wb.sheetnames:
            snap.metrics = L.read_block(wb[METRICS_TAB])
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

    def read_tabs(self, titles: Sequence[str]) -> dict[str, list[dict[str, str]]]:
        wb = self._load(read_only=True)
        try:
            return {
                t: layout.rows_by_header(list(wb[t].iter_rows(values_only=True)))
                if t in wb.sheetnames else []
                for t in titles
            }
        except DAMAGE as exc:
            raise self._damaged(exc) from None
        finally:
            wb.close()

    def read_grids(self) -> dict[str, list[list[str]]]:
        """Every tab as a grid (an erasure); the write that follows checks the file."""
        from destsync.adapters.local.xlsx_erase import grids

        self._stamp = self._file_stamp()
        self._saved = None
        wb = self._load(read_only=True)
        try:
            return grids(wb)
        finally:
            wb.close()

    def remove_leftovers(self) -> int:
        """The temporary copies a run stopped during its save left beside the workbook:
        each is a full copy of the tracker, personal data included."""
        from destsync.adapters.local.mail_files import remove_stale

        return remove_stale(self.path.parent, (".destsync-*.xlsx",))

    def rewrite(self, edits: Mapping[str, TabEdit]) -> None:
        from destsync.adapters.local.xlsx_erase import apply_edits

        wb = self._open_for_write()
        apply_edits(wb, edits)
        self._save(wb)

    # -- writing ------------------------------------------------------------------------
    def apply(self, plan: Plan, run_id: str) -> None:
        wb = self._open_for_write()
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
            if tab == L.REVIEW:  # by the tab's own header: an older tab keeps its order
                rows_to_add = layout.in_tab_order(rows_to_add, [c.value for c in wb[tab][1]])
            _append(wb[tab], rows_to_add)
        L.update_review(wb[L.REVIEW], plan.review_updates)
        updates = layout.state_updates(plan)
        # Rows journalled since the last save come first: the plan's are newer.
        updates["_destsync_ledger"] = (layout.ledger_rows(self._journalled)
                                       | updates["_destsync_ledger"])
        for tab, state_rows in updates.items():
            self._merge_state(wb, tab, layout.STATE_KEY_LEN[tab], state_rows)
        if plan.metrics is not None:
            L.replace_block(wb[METRICS_TAB], plan.metrics)
        self._save_folded(wb)

    def record_ledger(self, entries: Iterable[LedgerEntry], last: bool = True) -> None:
        """A flush during the sends goes to the journal (durable, and no rewrite of the
        workbook); the last one of the send phase saves the workbook with them all."""
        entries = list(entries)
        if not last and self._generation:
            self._refuse_if_open()
            if self._file_stamp() != self._stamp:
                raise TrackerError(
                    f"tracker {self.path.name} changed on disk while destsync was running",
                    "run the sync again (close the file in Excel first); the emails sent so "
                    "far are recorded, the rest are sent next time",
                )
            journal.append(self.path, self._generation, entries)
            self._journalled += entries
            return
        wb = self._open_for_write()
        self._merge_state(wb, "_destsync_ledger", 1,
                          layout.ledger_rows([*self._journalled, *entries]))
        self._save_folded(wb)

    def _save_folded(self, wb: Workbook) -> None:
        """Save with the journalled rows in the ledger tab and a new journal generation,
        in the one atomic rename; only then is the old journal dropped."""
        old, new = self._generation, journal.new_generation()
        self._merge_state(wb, "_destsync_meta", 1, {(journal.GENERATION_KEY,):
                                                    [journal.GENERATION_KEY, new]})
        self._save(wb)
        self._generation, self._journalled = new, []
        journal.discard(self.path, old)

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
        # Row numbers are counted here: openpyxl's max_row scans every cell, and asking it
        # per row made a 2,000-row first sync take minutes.
        for r, row in enumerate(existing.values(), start=2):
            for c, v in enumerate(row, start=1):
                L.set_value(ws.cell(row=r, column=c), v)
        ws.protection.sheet = True

    def _open_lock(self) -> Path | None:
        """The owner file Excel (``~$name``) or LibreOffice (``.~lock.name#``) keeps beside
        a workbook while it is open. Where the OS does not lock the file (a Mac, a synced
        or network folder) the rename would succeed, and the person's next save in Excel
        would silently overwrite this run's changes and its hidden ledger of sent emails."""
        for name in (f"~${self.path.name}", f".~lock.{self.path.name}#"):
            lock = self.path.with_name(name)
            if lock.exists():
                return lock
        return None

    def _refuse_if_open(self) -> None:
        lock = self._open_lock()
        if lock is not None:
            raise TrackerError(
                f"tracker {self.path.name} is open in a spreadsheet program ({lock.name} exists)",
                f"close it and run again; nothing was written (if it is not open, delete {lock})",
            )

    def _open_for_write(self) -> Workbook:
        self._refuse_if_open()
        if self._file_stamp() != self._stamp:
            raise TrackerError(
                f"tracker {self.path.name} changed on disk while destsync was running",
                "nothing was written; run the sync again (close the file in Excel first)",
            )
        # Taken, not shared: a write that fails half-way must not leave its edits in the
        # workbook the next write starts from. The file is unchanged since our save.
        wb, self._saved = self._saved, None
        wb = wb or self._load()
        L.ensure_tabs(wb, self._tracker_headers)
        return wb

    def _save(self, wb: Workbook) -> None:
        tmp = ""
        try:
            # Inside the try: a folder this account may not write in (or a full disk) used
            # to fail in mkdir/mkstemp as an unexpected error (exit 1).
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".destsync-", suffix=".xlsx", dir=self.path.parent)
            os.close(fd)
            wb.save(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except PermissionError:
            if tmp:
                raise TrackerError(
                    f"cannot replace {self.path.name}: the file is locked or read-only",
                    "close the workbook in Excel and run the sync again; nothing was written",
                ) from None
            raise TrackerError(
                f"cannot write in {self.path.parent}: permission denied",
                "give the account that runs destsync write access to that folder; "
                "nothing was written",
            ) from None
        except OSError as exc:
            # A full or read-only disk is the person's to fix: one line. Anything else is a
            # crash, reported as one (the previous workbook is intact either way).
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                raise
            raise TrackerError(
                f"cannot save {self.path.name}: {exc.strerror}",
                "free some disk space or fix the folder, then run again; nothing was written",
            ) from None
        finally:
            if tmp:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        self._stamp = self._file_stamp()
        self._saved = wb

    def setup(self) -> bool:
        """Create the workbook with every tab, or add missing tabs. True if it changed."""
        existed = self.path.exists()
        self._stamp = self._file_stamp()
        wb = self._load()
        changed = L.ensure_tabs(wb, self._tracker_headers)
        index = self.header_index(wb[L.TRACKER])
        L.add_dropdowns(wb[L.TRACKER], index, self.headers)
        if existed and not changed:
            return False
        self._refuse_if_open()
        self._save(wb)
        return True


def _last_used_row(ws: Worksheet) -> int:
    for r in range(ws.max_row, 1, -1):
        if any(c.value not in (None, "") for c in ws[r]):
            return r
    return 1


def _append(ws: Worksheet, rows: list[list[str]]) -> None:
    """Append below the last used row, found once (see _merge_state on max_row)."""
    if not rows:
        return
    first = _last_used_row(ws) + 1
    for r, values in enumerate(rows, start=first):
        for c, v in enumerate(values, start=1):
            L.set_value(ws.cell(row=r, column=c), v)
