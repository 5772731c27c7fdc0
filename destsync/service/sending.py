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
from collections.abc import Mapping, Sequence
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
    report = SendReport()
    at = now.isoformat(timespec="seconds")
    done: list[LedgerEntry] = []

    def flush() -> None:
        if done:
            tracker.record_ledger(list(done))
            done.clear()

    def record(key: str, ref: str, campaign: str, state: str, mid: str) -> None:
        done.append(LedgerEntry(key, state, ref, campaign, at, mid))
        if len(done) >= batch:
            flush()

    try:
        for e in stale:
            went = mailer.already_sent(e.key)
            record(e.key, e.ref, e.campaign, "sent" if went else "cancelled", e.message_id)
            report.recovered += went
            report.cancelled += not went
        for m in messages:
            if m.key in recovering and mailer.already_sent(m.key):
                record(m.key, m.ref, m.campaign, "sent", message_id(m.key))
                report.recovered += 1
                continue
            try:
                mid = mailer.send(m)
            except RecipientRejected:
                # A refused address is a failed attempt: it counts towards "cannot be
                # contacted", and the next attempt follows the campaign's spacing.
                record(m.key, m.ref, m.campaign, "bounced", "")
                report.bounced += 1
                continue
            record(m.key, m.ref, m.campaign, "sent", mid)
            report.sent[m.campaign] += 1
    except MailLimitReached as exc:
        flush()
        return _held(report, exc, len(messages))
    except MailError:
        # Keep what is known: everything recorded so far is certain, the rest stays
        # pending and is checked with the mailer on the next run.
        flush()
        raise
    flush()
    return report


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
    report = SendReport()
    at = now.isoformat(timespec="seconds")
    done: list[LedgerEntry] = []

    def record(key: str, ref: str, campaign: str, state: str, mid: str) -> None:
        done.append(LedgerEntry(key, state, ref, campaign, at, mid))

    def flush() -> None:
        if done:
            tracker.record_ledger(list(done))
            done.clear()

    try:
        for e in stale:
            went = mailer.resolve(e.message_id) if mailer.is_token(e.message_id) else None
            if went is None and mailer.is_token(e.message_id):
                mailer.discard(e.message_id)
            record(e.key, e.ref, e.campaign, "cancelled" if went is None else "sent",
                   went or e.message_id)
            report.recovered += went is not None
            report.cancelled += went is None
        flush()
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
                        record(m.key, m.ref, m.campaign, "sent", went)
                        report.recovered += 1
                        continue
                else:
                    try:
                        token = mailer.prepare(m)
                    except RecipientRejected:
                        record(m.key, m.ref, m.campaign, "bounced", "")
                        report.bounced += 1
                        continue
                    fresh.append(LedgerEntry(m.key, "pending", m.ref, m.campaign, at, token))
                staged.append((m, token))
            if fresh:
                # Durable before any of them is sent: the one write that makes recovery exact.
                tracker.record_ledger(fresh)
            for m, token in staged:
                try:
                    mid = mailer.send_prepared(token)
                except RecipientRejected:
                    record(m.key, m.ref, m.campaign, "bounced", token)
                    report.bounced += 1
                    continue
                record(m.key, m.ref, m.campaign, "sent", mid)
                report.sent[m.campaign] += 1
            flush()
    except MailLimitReached as exc:
        flush()
        return _held(report, exc, len(messages))
    except MailError:
        flush()
        raise
    return report
