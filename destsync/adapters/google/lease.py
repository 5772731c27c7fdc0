"""The lease of a Sheets tracker: spreadsheet-level developer metadata ``destsync.lease``.

Developer metadata is invisible to staff and survives sorts and edits. Sheets offers no
conditional write, so a taker writes its record, waits ``settle`` seconds for any write
that raced it to land, reads every record back and lets ``domain.lease.winner`` decide;
a loser deletes its own record. Every contender sees the same records and so reaches the
same verdict. Two calls to take (batchUpdate, then a ``get`` of the spreadsheet-level
metadata, whose answer the tracker's write then uses for the tab layout it needs, so the
read-back costs no call of its own), one to release.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.adapters.google.retry import AmbiguousWrite
from destsync.domain.lease import LeaseRecord, new_lease, winner
from destsync.errors import RemoteError

LEASE_KEY = "destsync.lease"
WRITE_TRIES = 3  # an ambiguous write that did not land is written again, checked each time


class SheetsLease:
    def __init__(self, sheet: api.SheetsApi, settle: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.sheet, self.settle, self.sleep = sheet, settle, sleep
        self._found: list[tuple[dict[str, Any], LeaseRecord | None]] = []
        self._riding: list[dict[str, Any]] = []

    def _records(self) -> list[tuple[dict[str, Any], LeaseRecord | None]]:
        found = [m for m in self.sheet.read_layout().get("developerMetadata", [])
                 if m.get("metadataKey") == LEASE_KEY]
        return [(m, LeaseRecord.from_text(str(m.get("metadataValue", "")))) for m in found]

    def acquire(self, holder: str, now: datetime, ttl: timedelta) -> str | None:
        """Two calls: write ours, then (after the settle) read every lease back. An older
        live lease of another run wins over ours; our own older one (a retried task has
        the same holder) does not stand in the way."""
        request = api.meta(LEASE_KEY, new_lease(holder, now, ttl).to_text(),
                           {"spreadsheet": True})
        for _ in range(WRITE_TRIES):
            try:
                self.sheet.batch_update([request])
            except AmbiguousWrite:
                pass  # applied or not, the read-back below tells
            self.sleep(self.settle)
            self._found = found = self._records()
            if any(r is not None and r.holder == holder for _, r in found):
                won_by = winner((r for _, r in found), holder, now)
                if won_by is not None:
                    self._forget(holder, now, expired_too=False)
                return won_by
        raise RemoteError(f"could not take the lease of {self.sheet.label}",
                          "Google is failing its writes; the next run tries again")

    def release(self, holder: str) -> None:
        """One call: our records and any expired ones go (found when taking); none when
        the tracker's write already carried them (``release_with_write``)."""
        if self._riding and not self.sheet.riders:
            self._found = [(m, r) for m, r in self._found if m not in self._riding]
            self._riding = []
            return
        self.sheet.riders, self._riding = [], []
        self._forget(holder, datetime.now(UTC), expired_too=True)

    def release_with_write(self, holder: str) -> None:
        """Nothing follows the academy's write: its last batchUpdate (the one removing the
        write lock) deletes the lease records too, one call fewer. Without a write, or if
        that batchUpdate fails, ``release`` makes its own call as ever."""
        self._riding = self._gone(holder, datetime.now(UTC), expired_too=True)
        self.sheet.riders = api.forget(self._riding)

    def _gone(self, holder: str, now: datetime, expired_too: bool) -> list[dict[str, Any]]:
        return [m for m, r in self._found
                if r is None or r.holder == holder or (expired_too and r.expires <= now)]

    def _forget(self, holder: str, now: datetime, expired_too: bool) -> None:
        gone = self._gone(holder, now, expired_too)
        if gone:
            self.sheet.batch_update(api.forget(gone))
        self._found = [(m, r) for m, r in self._found if m not in gone]
