"""Test kit for campaigns and mailers: a small school in memory, a mailer that remembers,
and wrappers that kill a run at a chosen point, the way SIGKILL would."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from destsync.config.settings import Config, parse_config
from destsync.domain.campaigns import message_id
from destsync.domain.model import LedgerEntry, RosterEntry, TrackerSnapshot
from destsync.domain.plan import OutgoingMessage
from destsync.service.ports import AcademyPorts, Mailer, StagingMailer
from destsync.service.sync import RunResult, run_sync
from tests.fakes import ListRoster, ListSource, MemoryTracker


class Killed(BaseException):
    """Stands in for a kill: a BaseException, so no ``except Exception`` in destsync can
    tidy up after it, just as nothing runs after SIGKILL."""


class MemoryMailer:
    """Delivers into a list and answers ``already_sent`` from it, like Gmail's search."""

    def __init__(self) -> None:
        self.delivered: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> str:
        self.delivered.append(message)
        return message_id(message.key)

    def already_sent(self, key: str) -> bool:
        return any(m.key == key for m in self.delivered)


class KillingMailer:
    """Wraps a mailer; kills the run before the k-th send, or after it was delivered but
    before destsync could record it."""

    def __init__(self, inner: Mailer, k: int, after: bool) -> None:
        self.inner, self.k, self.after = inner, k, after
        self.sends = 0

    def send(self, message: OutgoingMessage) -> str:
        self.sends += 1
        if self.sends == self.k and not self.after:
            raise Killed(f"before send {self.k}")
        mid = self.inner.send(message)
        if self.sends == self.k and self.after:
            raise Killed(f"after send {self.k}")
        return mid

    def already_sent(self, key: str) -> bool:
        return self.inner.already_sent(key)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


class KillingStagingMailer(KillingMailer):
    """The same kill around the step that sends (``send_prepared``) of a staging mailer."""

    inner: Any

    def is_token(self, recorded: str) -> bool:
        return bool(self.inner.is_token(recorded))

    def prepare(self, message: OutgoingMessage) -> str:
        return str(self.inner.prepare(message))

    def send_prepared(self, token: str) -> str:
        self.sends += 1
        if self.sends == self.k and not self.after:
            raise Killed(f"before send {self.k}")
        mid = str(self.inner.send_prepared(token))
        if self.sends == self.k and self.after:
            raise Killed(f"after send {self.k}")
        return mid

    def resolve(self, token: str) -> str | None:
        went = self.inner.resolve(token)
        return None if went is None else str(went)

    def discard(self, token: str) -> None:
        self.inner.discard(token)


def killing(inner: Mailer, k: int, after: bool) -> KillingMailer:
    """A KillingMailer of the right kind for ``inner``."""
    if isinstance(inner, StagingMailer):
        return KillingStagingMailer(inner, k, after)
    return KillingMailer(inner, k, after)


class KillingTracker(MemoryTracker):
    """Kills the run inside the n-th ledger write (nothing of that write lands), or inside
    ``apply`` when n == 0."""

    def __init__(self, snap: TrackerSnapshot, n: int) -> None:
        super().__init__(snap)
        self.n, self.writes = n, 0

    def apply(self, plan: Any, run_id: str = "run") -> None:
        if self.n == 0:
            raise Killed("in apply")
        super().apply(plan, run_id)

    def record_ledger(self, entries: Iterable[LedgerEntry], last: bool = True) -> None:
        self.writes += 1
        if self.writes == self.n:
            raise Killed(f"in ledger write {self.n}")
        super().record_ledger(entries, last)


def school_config(folder: Path, mail: dict[str, Any] | None = None) -> Config:
    """A one-academy config with the default campaigns and a small send batch."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "responses.csv").write_text("", encoding="utf-8")
    data: dict[str, Any] = {
        "trust": {"name": "Example Learning Trust"},
        "form_a": {"responder_url": "https://docs.google.com/forms/d/e/X/viewform",
                   "reference_entry": "entry.1000001"},
        "mail": {"backend": "outbox", "outbox": "outbox", "send_batch": 3, **(mail or {})},
        "academies": [{
            "code": "OAK", "name": "Oakfield Academy (example)",
            "careers_email": "careers@oakfield.example.org",
            "responses": {"backend": "csv", "path": "responses.csv"},
            "tracker": {"backend": "xlsx", "path": "tracker.xlsx"},
        }],
    }
    return parse_config(data, folder / "destsync.toml")


def school_snapshot(n: int = 8) -> tuple[TrackerSnapshot, list[RosterEntry]]:
    """Alumni of 2024 to 2026 (mostly consenting) and current Year 12 and 13."""
    snap = TrackerSnapshot()
    roster: list[RosterEntry] = []
    names = ("Zoë", "Siobhán", "Łukasz", "Mei", "Ada", "Tomás", "Priya", "Omar")
    for i in range(n * 5):
        leaving = 2024 + i % 5  # 2024..2028
        ref = f"OAK-{2000 + i}"
        forename = names[i % len(names)]
        consent = "Yes" if i % 4 else "No"
        row = {"ref": ref, "forename": forename, "surname": "O'Example",
               "leaving_year": str(leaving), "consent": consent,
               "email": f"s{i}@example.org" if consent == "Yes" else "",
               "parent_email": f"p{i}@example.org"}
        snap.rows[ref] = row
        # As destsync wrote it from a Form A answer: not a staff edit (``staff_consent``).
        snap.base[(ref, "consent")] = consent
        roster.append(RosterEntry(ref, forename, "O'Example", "", leaving, f"p{i}@example.org"))
    return snap, roster


def ports_for(cfg: Config, tracker: MemoryTracker, roster: list[RosterEntry],
              mailer: Mailer) -> list[AcademyPorts]:
    return [AcademyPorts(cfg.academies[0], ListSource([]), tracker, ListRoster(roster),
                         Counter(), mailer)]


def run(cfg: Config, tracker: MemoryTracker, roster: list[RosterEntry], mailer: Mailer,
        now: datetime) -> RunResult | None:
    """One run; None if it was killed."""
    try:
        return run_sync(cfg, ports_for(cfg, tracker, roster, mailer), now)
    except Killed:
        return None
