"""A trust run streams its academies: each is read, planned and written before the next is
read, and its snapshot and plan are let go, so memory is one academy's, not the trust's.
The daily mail cap stays the trust's: one mailbox, one rolling 24 hours, one priority
order over every academy's due messages, exactly as if all had been planned first."""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from destsync.config.settings import Config
from destsync.domain.campaigns import message_id
from destsync.domain.model import LedgerEntry, RosterEntry, TrackerSnapshot
from destsync.domain.plan import Plan
from destsync.service.ports import AcademyPorts
from destsync.service.sync import run_sync
from tests.fakes import ListRoster, ListSource, MemoryTracker
from tests.mailkit import MemoryMailer, school_config, school_snapshot

T = datetime(2027, 5, 3, 6, 0, tzinfo=UTC)  # survey attempt 1, Form B and a digest
CODES = ("OAK", "ELM", "ASH")


class Recorded(MemoryTracker):
    """Notes each read and write in a log the academies share, and keeps a weak reference
    to every snapshot it handed out."""

    def __init__(self, code: str, snap: TrackerSnapshot, log: list[str],
                 handed: list[weakref.ref[TrackerSnapshot]]) -> None:
        super().__init__(snap)
        self.code, self.log, self.handed = code, log, handed

    def read(self) -> TrackerSnapshot:
        gc.collect()
        alive = sum(1 for r in self.handed if r() is not None)
        self.log.append(f"read {self.code} ({alive} snapshots alive)")
        snap = super().read()
        self.handed.append(weakref.ref(snap))
        return snap

    def apply(self, plan: Plan, run_id: str = "run") -> None:
        self.log.append(f"write {self.code}")
        super().apply(plan, run_id)


def academy_school(code: str) -> tuple[TrackerSnapshot, list[RosterEntry]]:
    """mailkit's school, with Refs of its own academy (ledger keys name the Ref)."""
    snap, roster = school_snapshot(4)
    rows = {ref.replace("OAK", code): {**row, "ref": ref.replace("OAK", code)}
            for ref, row in snap.rows.items()}
    snap.rows = rows
    return snap, [replace(r, ref=r.ref.replace("OAK", code)) for r in roster]


def trust(tmp_path: Path, cap: int) -> Config:
    cfg = school_config(tmp_path, {"daily_cap": cap})
    one = cfg.academies[0]
    return replace(cfg, academies=tuple(
        replace(one, code=c, careers_email=f"careers@{c.lower()}.example.org") for c in CODES))


def ports(cfg: Config, trackers: list[MemoryTracker], rosters: list[list[RosterEntry]],
          mailer: MemoryMailer) -> list[AcademyPorts]:
    return [AcademyPorts(a, ListSource([]), t, ListRoster(r), Counter(), mailer)
            for a, t, r in zip(cfg.academies, trackers, rosters, strict=True)]


def test_each_academy_is_written_and_let_go_before_the_next_is_read(tmp_path: Path) -> None:
    cfg = trust(tmp_path, 2000)
    log: list[str] = []
    handed: list[weakref.ref[TrackerSnapshot]] = []
    schools = [academy_school(c) for c in CODES]
    trackers: list[Any] = [Recorded(c, s, log, handed) for c, (s, _) in zip(CODES, schools,
                                                                          strict=True)]
    run_sync(cfg, ports(cfg, trackers, [r for _, r in schools], MemoryMailer()), T)
    assert log == ["read OAK (0 snapshots alive)", "write OAK",
                   "read ELM (0 snapshots alive)", "write ELM",
                   "read ASH (0 snapshots alive)", "write ASH"]


def test_the_cap_follows_the_trusts_priority_order_across_academies(tmp_path: Path) -> None:
    """Cap 3: the three staff digests (priority 0) go, one per academy, although the first
    academy alone has more than three messages due; an academy planned first takes no more
    than its place in the trust's order."""
    cfg = trust(tmp_path, 3)
    schools = [academy_school(c) for c in CODES]
    mailer = MemoryMailer()
    result = run_sync(cfg, ports(cfg, [MemoryTracker(s) for s, _ in schools],
                                 [r for _, r in schools], mailer), T)
    assert sorted((m.campaign, m.ref) for m in mailer.delivered) == [
        ("staff_digest", c) for c in sorted(CODES)]
    s = result.summary()
    assert s["emails_sent"] == 3 and s["emails_due"] == 3
    assert s["emails_deferred"] == sum(a["emails_deferred"] for a in s["academies"].values())
    assert all(a["emails_due"] == 1 and a["emails_deferred"] > 3
               for a in s["academies"].values())


def test_a_later_academys_sends_of_the_last_24_hours_count_against_the_first(
    tmp_path: Path,
) -> None:
    """The last academy's ledger shows 2 sent an hour ago; with a cap of 3 the whole run
    sends 1, though the first academy is written before the last one is read."""
    cfg = trust(tmp_path, 3)
    schools = [academy_school(c) for c in CODES]
    earlier = (T - timedelta(hours=1)).isoformat(timespec="seconds")
    last = schools[-1][0]
    for i in range(2):
        key = f"annual_survey/2026/ASH-{2000 + i}/1"
        last.ledger[key] = LedgerEntry(key, "sent", f"ASH-{2000 + i}", "annual_survey",
                                       earlier, message_id(key))
    mailer = MemoryMailer()
    run_sync(cfg, ports(cfg, [MemoryTracker(s) for s, _ in schools],
                        [r for _, r in schools], mailer), T)
    assert len(mailer.delivered) == 1


def test_the_pending_rows_are_in_the_ledger_before_the_first_send(tmp_path: Path) -> None:
    """Phase one of exactly-once, now written after every tracker: a message is pending
    in its academy's ledger before it is sent."""
    cfg = trust(tmp_path, 2000)
    schools = [academy_school(c) for c in CODES]
    trackers = [MemoryTracker(s) for s, _ in schools]
    seen: list[bool] = []

    class Checking(MemoryMailer):
        def send(self, message: Any) -> str:
            code = message.ref.split("-")[0] if "-" in message.ref else message.ref
            tracker = trackers[CODES.index(code)]
            entry = tracker.snap.ledger.get(message.key)
            seen.append(entry is not None and entry.state == "pending")
            return super().send(message)

    run_sync(cfg, ports(cfg, list(trackers), [r for _, r in schools], Checking()), T)
    assert seen and all(seen)
