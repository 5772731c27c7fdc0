"""The lease of a workbook tracker: a small JSON file beside it (``.NAME.destsync-lease``).

Created with O_EXCL, so of two runs starting together exactly one creates it; an expired
lease is replaced, and every taker re-reads before going on (see ``domain.lease``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from destsync.domain.lease import LeaseRecord, blocker, new_lease, winner


class FileLease:
    def __init__(self, tracker: Path, settle: float = 0.2,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = tracker.with_name(f".{tracker.name}.destsync-lease")
        self.settle, self.sleep = settle, sleep

    def _read(self) -> LeaseRecord | None:
        try:
            return LeaseRecord.from_text(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def acquire(self, holder: str, now: datetime, ttl: timedelta) -> str | None:
        current = self._read()
        held_by = blocker([current], holder, now)
        if held_by is not None:
            return held_by
        text = new_lease(holder, now, ttl).to_text()
        self.path.parent.mkdir(parents=True, exist_ok=True)  # a first run makes the folder
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            # Expired (or unreadable): replace it whole, then see who won.
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
            self.sleep(self.settle)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        return winner([self._read()], holder, now)

    def release(self, holder: str) -> None:
        current = self._read()
        if current is not None and current.holder == holder:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
