"""The send phase: deliver each due message exactly once, across crashes.

Two phases per message, both in the tracker's ledger:

1. *pending*: written with the rest of the plan, in the tracker's single all-or-nothing
   apply, before anything is sent (the service puts the entries in ``Plan.ledger``).
2. *sent* (or *bounced*): recorded after the mailer accepted (or refused) the message, in
   batches of ``batch`` messages.

A crash before step 1 leaves no trace: the next run plans the same keys afresh. A crash
between the steps leaves the key pending: the next run plans it again, and this phase asks
the mailer ``already_sent(key)`` before sending it, so a message that went is recorded,
not repeated, and one that did not go is sent. How well a mailer answers that question is
its limit (see each adapter). A pending key the rules no longer call for (the student
answered or withdrew meanwhile) is resolved the same way: *sent* if it went, else
*cancelled*.

A ``StagingMailer`` (Gmail) needs no such question answered from memory: each batch is
first staged (drafts), the tokens are written to the ledger as pending, and only then is
each staged message sent. After a crash the provider itself says whether a token went.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from destsync.domain.campaigns import message_id
from destsync.domain.model import LedgerEntry
from destsync.domain.plan import OutgoingMessage
from destsync.errors import MailError, MailLimitReached, RecipientRejected
from destsync.service.ports import Mailer, StagingMailer, Tracker


@dataclass
class SendReport:
    sent: Counter[str] = field(default_factory=Counter)  # by campaign
    recovered: int = 0  # found already sent after a crash, so not sent again
    bounced: int = 0
    cancelled: int = 0
    limit: str = ""  # the mailbox's daily limit stopped the sends: what it said
    held: int = 0  # due messages left pending by that limit, for the next run

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())


def pending_entries(messages: Sequence[OutgoingMessage], now: datetime,
                    recovering: set[str]) -> list[LedgerEntry]:
    """Phase one: the ledger rows to write with the plan, before any send."""
    at = now.isoformat(timespec="seconds")
    return [LedgerEntry(m.key, "pending", m.ref, m.campaign, at, message_id(m.key))
            for m in messages if m.key not in recovering]


def send_all(
    messages: Sequence[OutgoingMessage],
    stale: Sequence[LedgerEntry],
    recovering: set[str],
    tracker: Tracker,
    mailer: Mailer,
    now: datetime,
    batch: int = 25,
    ledger: Mapping[str, LedgerEntry] | None = None,
) -> SendReport:
    if isinstance(mailer, StagingMailer):
        return _send_staged(messages, stale, recovering, tracker, mailer, now, batch,
                            ledger or {})
    rec = _Recorder(tracker, now, batch)
    with rec.settling(len(messages)):
        for e in stale:
            went = mailer.already_sent(e.key)
            rec.stale(e, e.message_id if went else None)
        for m in messages:
            if m.key in recovering and mailer.already_sent(m.key):
                rec.recovered(m, message_id(m.key))
                continue
            try:
                mid = mailer.send(m)
            except RecipientRejected:
                # A refused address is a failed attempt: it counts towards "cannot be
                # contacted", and the next attempt follows the campaign's spacing.
                rec.bounced(m, "")
                continue
            rec.sent(m, mid)
    return rec.report


class _Recorder:
    """The ledger rows and the report of one send phase. With ``batch`` the rows are
    written every ``batch`` messages; without, only when ``flush`` is called. Whatever
    stops the sends, what is recorded so far is written: it is certain, and the rest stays
    pending for the next run to check."""

    def __init__(self, tracker: Tracker, now: datetime, batch: int | None) -> None:
        self.tracker, self.batch = tracker, batch
        self.at = now.isoformat(timespec="seconds")
        self.report = SendReport()
        self.done: list[LedgerEntry] = []
        self.deferred = False  # a flush before the last one has been written

    def _record(self, m: OutgoingMessage | LedgerEntry, state: str, mid: str) -> None:
        ref, campaign = m.ref, m.campaign
        self.done.append(LedgerEntry(m.key, state, ref, campaign, self.at, mid))
        if self.batch is not None and len(self.done) >= self.batch:
            self.flush(last=False)

    def sent(self, m: OutgoingMessage, mid: str) -> None:
        self._record(m, "sent", mid)
        self.report.sent[m.campaign] += 1

    def bounced(self, m: OutgoingMessage, mid: str) -> None:
        self._record(m, "bounced", mid)
        self.report.bounced += 1

    def recovered(self, m: OutgoingMessage, mid: str) -> None:
        self._record(m, "sent", mid)
        self.report.recovered += 1

    def stale(self, e: LedgerEntry, went: str | None) -> None:
        """A pending key the rules no longer call for: sent if it went, else cancelled."""
        self._record(e, "cancelled" if went is None else "sent", went or e.message_id)
        self.report.recovered += went is not None
        self.report.cancelled += went is None

    def flush(self, last: bool = True) -> None:
        """Write what is recorded; ``last`` is the flush that ends the send phase."""
        # The last flush also runs with nothing new if earlier ones were kept aside.
        if self.done or (last and self.deferred):
            self.tracker.record_ledger(list(self.done), last=last)
            self.done.clear()
            self.deferred = not last

    @contextmanager
    def settling(self, due: int) -> Iterator[None]:
        try:
            yield
        except MailLimitReached as exc:
            self.flush()
            _held(self.report, exc, due)
            return
        except MailError:
            self.flush()
            raise
        self.flush()


def _held(report: SendReport, exc: MailLimitReached, due: int) -> SendReport:
    """Only a daily limit defers the rest of the run's messages; the run goes on (the
    tracker is already written) and says which limit it hit."""
    report.limit = exc.message
    report.held = due - report.total_sent - report.bounced - report.recovered
    return report


def stale_entries(keys: Sequence[str], ledger: dict[str, LedgerEntry]) -> list[LedgerEntry]:
    return [ledger[k] for k in keys if k in ledger]


def _send_staged(
    messages: Sequence[OutgoingMessage],
    stale: Sequence[LedgerEntry],
    recovering: set[str],
    tracker: Tracker,
    mailer: StagingMailer,
    now: datetime,
    batch: int,
    ledger: Mapping[str, LedgerEntry],
) -> SendReport:
    """Stage a batch, make its tokens durable, then send it; a token is the only thing
    ever sent, so a pending key without one was never sent."""
    rec = _Recorder(tracker, now, None)
    with rec.settling(len(messages)):
        for e in stale:
            went = mailer.resolve(e.message_id) if mailer.is_token(e.message_id) else None
            if went is None and mailer.is_token(e.message_id):
                mailer.discard(e.message_id)
            rec.stale(e, went)
        rec.flush(last=False)
        for start in range(0, len(messages), max(1, batch)):
            staged: list[tuple[OutgoingMessage, str]] = []
            fresh: list[LedgerEntry] = []
            for m in messages[start:start + max(1, batch)]:
                prior = ledger.get(m.key)
                token = prior.message_id if (m.key in recovering and prior is not None
                                             and mailer.is_token(prior.message_id)) else ""
                if token:
                    went = mailer.resolve(token)
                    if went is not None:
                        rec.recovered(m, went)
                        continue
                else:
                    try:
                        token = mailer.prepare(m)
                    except RecipientRejected:
                        rec.bounced(m, "")
                        continue
                    fresh.append(LedgerEntry(m.key, "pending", m.ref, m.campaign, rec.at,
                                             token))
                staged.append((m, token))
            if fresh:
                # Durable before any of them is sent: the one write that makes recovery exact.
                tracker.record_ledger(fresh, last=False)
                rec.deferred = True
            for m, token in staged:
                try:
                    mid = mailer.send_prepared(token)
                except RecipientRejected:
                    rec.bounced(m, token)
                    continue
                rec.sent(m, mid)
            rec.flush(last=False)
    return rec.report
