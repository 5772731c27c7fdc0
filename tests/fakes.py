"""Small in-memory fakes that record what they were asked, cosmicpython-style."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from destsync.domain.model import (
    APPLICATION_FIELDS,
    COLUMNS,
    LedgerEntry,
    RawResponse,
    ReviewRow,
    RosterEntry,
    TrackerSnapshot,
)
from destsync.domain.plan import Plan


class MemoryTracker:
    """Applies a Plan to a snapshot exactly as the workbook adapter does."""

    def __init__(self, snap: TrackerSnapshot | None = None) -> None:
        self.snap = snap or TrackerSnapshot()
        self.review_rows: list[object] = []
        self.log_rows: list[object] = []
        self.returns: list[object] = []
        self.applied: list[Plan] = []
        self.resolve_as: dict[str, str] = {}  # Review key -> what staff typed
        self.resolved: dict[str, tuple[str, str]] = {}  # Review key -> (Resolved, Resolution)

    def read(self) -> TrackerSnapshot:
        snap = copy.deepcopy(self.snap)
        snap.review_open = [
            ReviewRow(i.key, i.kind, i.ref, i.response_id, i.field, self.resolve_as[i.key],
                      self.resolved.get(i.key, ("", ""))[1])
            for i in self.review_rows  # type: ignore[attr-defined]
            if self.resolve_as.get(i.key) and not self.resolved.get(i.key, ("", ""))[0]
        ]
        return snap

    def type_resolution(self, key: str, text: str) -> None:
        self.resolve_as[key] = text

    def apply(self, plan: Plan, run_id: str = "run") -> None:
        s = self.snap
        for c in plan.changes:
            s.rows[c.ref][c.column] = c.new
        for r in plan.new_rows:
            # A real read returns every column, empty or not.
            s.rows[r.ref] = {c.key: "" for c in COLUMNS} | dict(r.values)
        for item in plan.review:
            s.review_keys.add(item.key)
            self.review_rows.append(item)
        self.log_rows.extend(plan.log)
        self.resolved.update(plan.review_updates)
        s.meta.update(plan.meta)
        s.base.update(plan.base_updates)
        for rec in plan.responses:
            s.responses[rec.response_id] = rec
        for f in plan.freezes:
            s.frozen.add((f.checkpoint, f.leaving_year))
            self.returns.extend(f.rows)
        for e in plan.ledger:
            s.ledger[e.key] = e
        for a in plan.app_rows:
            s.applications[a.key] = {k: a.values.get(k, "") for k, _ in APPLICATION_FIELDS}
        for ac in plan.app_changes:
            s.applications[ac.key][ac.field] = ac.new
        self.applied.append(plan)

    def record_ledger(self, entries: Iterable[LedgerEntry], last: bool = True) -> None:
        for e in entries:
            self.snap.ledger[e.key] = e

    def staff_edit(self, ref: str, column: str, value: str) -> None:
        self.snap.rows[ref][column] = value


class ListSource:
    def __init__(self, responses: Sequence[RawResponse]) -> None:
        self.responses = list(responses)

    def read(self, since: datetime | None = None) -> Sequence[RawResponse]:
        return [r for r in self.responses if since is None or r.submitted >= since]


class ListRoster:
    def __init__(self, entries: Sequence[RosterEntry]) -> None:
        self.entries = list(entries)

    def read(self) -> Sequence[RosterEntry]:
        return self.entries


class PacerClock:
    """A clock for the API pacer that moves when it sleeps: tests never wait a real minute
    for a quota (the emulator only refuses past a quota a test sets itself)."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@contextmanager
def unpaced() -> Iterator[None]:
    """Google API pacers made inside use a PacerClock; the real clock again after."""
    from destsync.adapters.google import pacing

    clock = PacerClock()
    pacing.use_clock(clock.now, clock.sleep)
    try:
        yield
    finally:
        pacing.use_clock(time.monotonic, time.sleep)
