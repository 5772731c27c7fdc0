"""The trust's shared Metrics tab in a workbook of its own (``metrics.path``), filled by
every academy's run. Saved like the tracker: to a temporary file renamed over the old
one, so a crash leaves the previous figures; a workbook open in Excel is not written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook

from destsync.adapters.local import xlsx_layout as L
from destsync.errors import TrackerError


class XlsxMetrics:
    def __init__(self, path: Path, tab: str) -> None:
        self.path = path
        self.tab = tab
        self.api_calls: Counter[str] = Counter()  # none: a local file

    def _load(self) -> Workbook | None:
        try:
            return load_workbook(self.path)
        except FileNotFoundError:
            return None
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise TrackerError(
                f"metrics workbook {self.path.name} is not a readable .xlsx workbook "
                f"({type(exc).__name__})",
                "move it aside: the next run writes it again from the trackers",
            ) from None

    def read(self) -> list[list[str]] | None:
        wb = self._load()
        if wb is None or self.tab not in wb.sheetnames:
            return None
        return L.read_block(wb[self.tab])

    def write(self, rows: Sequence[Sequence[str]]) -> None:
        for lock in (f"~${self.path.name}", f".~lock.{self.path.name}#"):
            if self.path.with_name(lock).exists():
                raise TrackerError(
                    f"metrics workbook {self.path.name} is open in a spreadsheet program",
                    "close it and run again; the trackers were written, and the metrics "
                    "are rebuilt on the next run",
                )
        wb = self._load()
        if wb is None:
            wb = Workbook()
            wb.active.title = self.tab
        ws = wb[self.tab] if self.tab in wb.sheetnames else wb.create_sheet(self.tab)
        L.replace_block(ws, [list(r) for r in rows])
        fd, tmp = tempfile.mkstemp(prefix=".destsync-", suffix=".xlsx", dir=self.path.parent)
        os.close(fd)
        try:
            wb.save(tmp)
            os.replace(tmp, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
