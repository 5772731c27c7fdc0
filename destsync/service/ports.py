"""Ports: the small typed interfaces between the core and the outside world.

Adapters implement these; the composition root (``bootstrap``) picks which. The core and
the service import only this module, never an SDK.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from destsync.config.settings import Academy
from destsync.domain.erase_plan import TabEdit
from destsync.domain.mailback import InboundMail
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

    def apply(self, plan: Plan, run_id: str) -> int | None:
        """Write everything in ``plan`` except messages, all or nothing. Returns how many
        planned cells it found edited by a person at write time and left alone (each a
        Review Conflict row beyond the plan's), or None for a backend that finds none."""
        ...

    def record_ledger(self, entries: Iterable[LedgerEntry], last: bool = True) -> None:
        """Persist ledger state changes at once (called around sends): durable when this
        returns. ``last`` is False for a flush in the middle of the sends, which a tracker
        may keep beside its main store until the last one (the workbook's journal)."""
        ...

    def read_tabs(self, titles: Sequence[str]) -> dict[str, list[dict[str, str]]]:
        """Visible tabs (Review, Change log, Returns) as rows keyed by header, for a
        subject access request; a missing tab reads as no rows."""
        ...


class MetricsSink(Protocol):
    """The trust's shared Metrics tab in a file of its own (``[metrics]`` in the config)."""

    api_calls: Counter[str]

    def read(self) -> list[list[str]] | None:
        """The tab's rows, header first; None when the tab does not exist yet."""
        ...

    def write(self, rows: Sequence[Sequence[str]]) -> None:
        """Replace the whole tab with ``rows`` (header first), all or nothing."""
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

    def probe(self) -> None:
        """Raise a MailError naming the problem if the mailer cannot be reached; send
        nothing (``destsync doctor``)."""
        ...


@runtime_checkable
class StagingMailer(Protocol):
    """A mailer that sends in two steps, so the step that sends is one the provider keeps a
    record of (Gmail: a draft, deleted when sent). The service writes ``prepare``'s token
    to the ledger before ``send_prepared``; after a crash ``resolve`` says whether it went."""

    def is_token(self, recorded: str) -> bool:
        """Whether a ledger entry's message id is one of this mailer's tokens."""
        ...

    def prepare(self, message: OutgoingMessage) -> str:
        """Stage the message (nothing is sent); a token to record as pending."""
        ...

    def send_prepared(self, token: str) -> str:
        """Send what was staged; the id to record as sent."""
        ...

    def resolve(self, token: str) -> str | None:
        """The id to record as sent if the staged message went; None if it can be sent."""
        ...

    def discard(self, token: str) -> None:
        """Drop a staged message that will not be sent."""
        ...


@runtime_checkable
class MailReader(Protocol):
    """A mailer that can also read its mailbox's inbox: delivery-failure notices and
    replies (``domain.mailback`` matches them to the ledger)."""

    sender: str

    def read_mail(self, days: int) -> Sequence[InboundMail]:
        """The inbox's messages of the last ``days`` days; [] if reading is not enabled."""
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
    mail_files: MailFiles | None = None  # None: no files on disk to follow a withdrawal
    checkin: ResponseSource | None = None  # the termly check-in's answers; None: no form


class WholeTracker(Protocol):
    """A tracker read and rewritten tab by tab, for an erasure (``domain.erase_plan``)."""

    def read_grids(self) -> dict[str, list[list[str]]]:
        """Every tab destsync keeps (Tracker, Review, Change log, Returns and the hidden
        state tabs) as canonical strings, header row first; a missing tab is absent."""
        ...

    def rewrite(self, edits: Mapping[str, TabEdit]) -> None:
        """Apply the edits to the grids last read, all or nothing; refuse (TrackerError,
        nothing written) if a tab changed since."""
        ...


class MailFiles(Protocol):
    """What the mailer left on disk: the outbox's .eml files, the SMTP journal."""

    def forget(self, keys: set[str], identifiers: Sequence[str]) -> int:
        """Remove the files and journal lines of ``keys``, and scrub ``identifiers`` from
        any other file; how many files or lines changed."""
        ...

    def scrub_recipients(self, refs: set[str]) -> int:
        """Take the addresses out of the messages written to ``refs`` (a withdrawal, the
        end of retention); how many files changed."""
        ...

    def remove_leftovers(self) -> int:
        """Temporary files a stopped run left behind; how many went."""
        ...
