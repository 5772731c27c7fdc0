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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from destsync.domain.campaigns import message_id
from destsync.domain.model import LedgerEntry
from destsync.domain.plan import OutgoingMessage
from destsync.errors import MailError, RecipientRejected
from destsync.service.ports import Mailer, Tracker


@dataclass
class SendReport:
    sent: Counter[str] = field(default_factory=Counter)  # by campaign
    recovered: int = 0  # found already sent after a crash, so not sent again
    bounced: int = 0
    cancelled: int = 0

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
) -> SendReport:
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
    except MailError:
        # Keep what is known: everything recorded so far is certain, the rest stays
        # pending and is checked with the mailer on the next run.
        flush()
        raise
    flush()
    return report


def stale_entries(keys: Sequence[str], ledger: dict[str, LedgerEntry]) -> list[LedgerEntry]:
    return [ledger[k] for k in keys if k in ledger]
