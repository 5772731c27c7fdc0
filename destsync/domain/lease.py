"""Who may work on an academy now: a lease per academy, and the rule that picks one holder.

Two executions of the job (a manual run during the scheduled one, a retried task) must
never plan and write one tracker at the same time. Each takes a lease before reading:
holder (execution and task), taken at, expires at. Neither Sheets nor a file system gives
a compare-and-swap the job can rely on across backends, so the rule is written to be
decided the same way by every contender that sees the same records: the live lease taken
first wins (ties by holder), and a contender that sees an earlier live lease backs off.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Longer than the job's task timeout (cloudbuild.yaml: 30 minutes), so a live run's lease
# never expires under it; short enough that a crashed run's lease frees the academy for
# the next day's run.
LEASE_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class LeaseRecord:
    holder: str
    taken: datetime
    expires: datetime

    def to_text(self) -> str:
        return json.dumps({"holder": self.holder, "taken": self.taken.isoformat(),
                           "expires": self.expires.isoformat()}, sort_keys=True)

    @staticmethod
    def from_text(text: str) -> LeaseRecord | None:
        """None for anything unreadable: such a record holds nothing."""
        try:
            d = json.loads(text)
            rec = LeaseRecord(str(d["holder"]), datetime.fromisoformat(d["taken"]),
                              datetime.fromisoformat(d["expires"]))
        except (ValueError, KeyError, TypeError):
            return None
        return rec if rec.taken.tzinfo and rec.expires.tzinfo else None


def new_lease(holder: str, now: datetime, ttl: timedelta = LEASE_TTL) -> LeaseRecord:
    return LeaseRecord(holder, now, now + ttl)


def live(records: Iterable[LeaseRecord | None], now: datetime) -> list[LeaseRecord]:
    return sorted((r for r in records if r is not None and r.expires > now),
                  key=lambda r: (r.taken, r.holder))


def blocker(records: Iterable[LeaseRecord | None], holder: str, now: datetime) -> str | None:
    """Before taking: the holder of another live lease, if any (then skip the academy)."""
    others = [r for r in live(records, now) if r.holder != holder]
    return others[0].holder if others else None


def winner(records: Iterable[LeaseRecord | None], holder: str, now: datetime) -> str | None:
    """After writing ours and letting other writes land: None if ours is the live lease
    taken first, else the holder that won (then withdraw ours and skip)."""
    contenders = live(records, now)
    if contenders and contenders[0].holder != holder:
        return contenders[0].holder
    return None


def shard(codes: Iterable[str], index: int, count: int) -> list[str]:
    """The academies task ``index`` of ``count`` takes: every academy exactly one task,
    decided from the sorted codes alone, so every task computes the same split."""
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"task {index} of {count}")
    return [c for i, c in enumerate(sorted(codes)) if i % count == index]


def cap_share(daily_cap: int, index: int, count: int) -> int:
    """Task ``index``'s part of the trust's daily cap: the shares add up to the cap."""
    return daily_cap // count + (1 if index < daily_cap % count else 0)
