#!/usr/bin/env python3
"""The pure planner at a trust's scale: time and peak memory of a first plan and of a plan
with nothing new, at 10k/30k/100k tracker rows (about one response for every two rows), and
responses that match nobody (no roster) at 1k and 4k.

    python3 dev.py bench                       # with the other benchmarks
    .venv/bin/python benchmarks/planner.py [ROWS ...] [--runs N] [--profile]

Times are the minimum of ``--runs`` runs (1 by default), CPU-bound on a shared machine;
the last column is microseconds per tracker row, so growth that is not linear shows.
Nothing here asserts a time.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from destsync.config.settings import load_config  # noqa: E402
from destsync.domain import answers, levels, names, normalize, vocab  # noqa: E402
from destsync.domain.model import RawResponse, RosterEntry, TrackerSnapshot  # noqa: E402
from destsync.domain.plan import Plan  # noqa: E402
from destsync.domain.reconcile import plan_sync  # noqa: E402
from destsync.entrypoints.demo import _answer_row, make_students  # noqa: E402
from destsync.service.sync import context_for  # noqa: E402
from tests.fakes import MemoryTracker  # noqa: E402

T = TypeVar("T")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CTX = context_for(load_config(ROOT / "config" / "example.toml"), "OAK")


def school(rows: int, seed: int = 7) -> tuple[list[RosterEntry], list[RawResponse]]:
    """``rows`` students over three cohorts and one response for every two of them (a
    quarter of them messy, hostile text included), as Form A would give them."""
    rng = random.Random(seed)
    students = make_students(rng, [2025, 2026, 2027], rows // 3 + 1)[:rows]
    roster = [RosterEntry(f"OAK-{s.adm}", s.forename, s.surname, s.dob.isoformat(),
                          s.leaving_year, s.parent_email, s.opt_out) for s in students]
    responses = []
    for i, s in enumerate(rng.sample(students, rows // 2)):
        when = datetime(2026, 5, 10, 9, tzinfo=UTC) + timedelta(minutes=i)
        responses.append(RawResponse(f"r{i}", when, _answer_row(rng, s, when, rng.random() < 0.25),
                                     f"bench {i}"))
    return roster, responses


def strangers(n: int) -> list[RawResponse]:
    """``n`` responses from students on no roster, each enough to start a row."""
    out = []
    for i in range(n):
        when = datetime(2026, 6, 1, 9, tzinfo=UTC) + timedelta(seconds=i)
        dob = date(2008, 9, 1) + timedelta(days=i % 365)
        out.append(RawResponse(f"s{i}", when, {
            "name": f"Stranger{i} Person{i % 97}", "dob": dob.strftime("%d/%m/%Y"),
            "leaving_year": "2026", "email": f"stranger{i}@example.org",
            "destination": "Apprenticeship", "consent": "Yes"}, f"bench {i}"))
    return out


RUNS = 1


def fresh() -> None:
    """Each run of destsync is a new process: its parse caches start empty."""
    for module in (normalize, names, answers, vocab, levels):
        for obj in vars(module).values():
            if hasattr(obj, "cache_clear"):
                obj.cache_clear()


CPU: list[float] = []  # the least CPU seconds of the last measure: the machine is shared


def measure(fn: Callable[[], T], memory: bool = True) -> tuple[T, float, float]:
    """Result, seconds (the least of RUNS) and peak MB of ``fn``: timed alone, then run
    again under tracemalloc for the peak (tracing slows Python down several times)."""
    seconds = cpu = float("inf")
    for _ in range(RUNS):
        fresh()
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        seconds = min(seconds, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    CPU[:] = [cpu]
    if not memory:
        return result, seconds, 0.0
    del result
    fresh()
    gc.collect()
    tracemalloc.start()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return result, seconds, peak


def row(label: str, rows: int, responses: int, seconds: float, peak: float | None) -> None:
    mb = f"{peak:8.0f}" if peak is not None else f"{'':8}"
    per = f"{1e6 * seconds / max(rows, responses):8.1f}"
    cpu = f"{CPU[0]:8.2f}" if CPU else ""
    print(f"{label:40} {rows:7} {responses:9} {seconds:8.2f} {mb} {per} {cpu}", flush=True)


def planned(label: str, snap: TrackerSnapshot, roster: list[RosterEntry],
            responses: list[RawResponse], profile: bool) -> Plan:
    """One plan, timed (and its peak memory), or profiled with ``--profile``."""
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    plan, seconds, peak = measure(lambda: plan_sync(snap, roster, responses, CTX, NOW),
                                  memory=prof is None)
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)
    row(label, len(roster), len(responses), seconds, None if prof else peak)
    return plan


def bench_rows(rows: int, profile: bool) -> None:
    roster, responses = school(rows)
    tracker = MemoryTracker()
    tracker.apply(planned("plan, first time", tracker.read(), roster, responses, profile))
    again = planned("plan, nothing new", tracker.read(), roster, responses, profile)
    assert not again.changes and not again.new_rows, "a second plan must change nothing"


def bench_strangers(n: int) -> None:
    snap = MemoryTracker().read()
    responses = strangers(n)
    plan, seconds, _ = measure(lambda: plan_sync(snap, [], responses, CTX, NOW), memory=False)
    assert len(plan.new_rows) + len(plan.review) >= n, "every stranger placed or on Review"
    row("strangers placed (no roster)", 0, n, seconds, None)


def main(argv: list[str]) -> None:
    global RUNS
    profile = "--profile" in argv
    if "--runs" in argv:
        i = argv.index("--runs")
        RUNS = int(argv.pop(i + 1))
        argv.pop(i)
    sizes = [int(a) for a in argv if a.isdigit()] or [1_000, 10_000, 30_000, 100_000]
    print(f"{'pure planner':40} {'rows':>7} {'responses':>9} {'seconds':>8} {'peak MB':>8}"
          f" {'us/row':>8} {'CPU s':>8}")
    for n in sizes:
        bench_rows(n, profile)
    if not profile:
        for n in (1_000, 4_000):
            bench_strangers(n)


if __name__ == "__main__":
    main(sys.argv[1:])
