"""Ports: the small typed interfaces between the core and the outside world.

Adapters implement these; the composition root (``bootstrap``) picks which. The core and
the service import only this module, never an SDK.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from destsync.config.settings import Academy
from destsync.domain.model import LedgerEntry, RawResponse, RosterEntry, TrackerSnapshot
from destsync.domain.plan import OutgoingMessage, Plan


class ResponseSource(Protocol):
    """Form A responses: Google Forms, or a CSV export of them."""

    def read(self, since: datetime | None) -> Sequence[RawResponse]:
        """Responses submitted at or after ``since`` (all when None)."""
        ...


class Roster(Protocol):
    def read(self) -> Sequence[RosterEntry]: ...


class Tracker(Protocol):
    """The trust's tracker: rows, review, change log, returns and hidden state."""

    def read(self) -> TrackerSnapshot: ...

    def apply(self, plan: Plan, run_id: str) -> None:
        """Write everything in ``plan`` except messages, all or nothing."""
        ...

    def record_ledger(self, entries: Iterable[LedgerEntry]) -> None:
        """Persist ledger state changes at once (called around sends)."""
        ...

    def read_tabs(self, titles: Sequence[str]) -> dict[str, list[dict[str, str]]]:
        """Visible tabs (Review, Change log, Returns) as rows keyed by header, for a
        subject access request; a missing tab reads as no rows."""
        ...


class Lease(Protocol):
    """Who may work on one academy now (see ``domain.lease``)."""

    def acquire(self, holder: str, now: datetime, ttl: timedelta) -> str | None:
        """None when ``holder`` now holds the lease; else the live holder, to skip."""
        ...

    def release(self, holder: str) -> None: ...


class Mailer(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Deliver one message; return a provider message id."""
        ...

    def already_sent(self, key: str) -> bool:
        """True if a message with this ledger key is known to have gone out."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class Progress(Protocol):
    def step(self, label: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


@dataclass
class AcademyPorts:
    """One academy's adapters, as the composition root chose them."""

    academy: Academy
    responses: ResponseSource
    tracker: Tracker
    roster: Roster
    api_calls: Counter[str] = field(default_factory=Counter)
    mailer: Mailer | None = None  # None: plan no messages for this academy
    lease: Lease | None = None  # None: no overlap guard (tests with fakes)
