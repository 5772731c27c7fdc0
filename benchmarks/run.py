"""Benchmarks: how long the planner and the workbook adapter take at a trust's scale.

    python3 dev.py bench            # prints a table of figures

Figures are wall-clock medians of a few repeats on this machine; compare them run to run,
not across machines. Nothing here asserts a time: speed is measured, not tested.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from destsync.config.settings import load_config  # noqa: E402
from destsync.domain.reconcile import plan_sync  # noqa: E402
from destsync.entrypoints import bootstrap  # noqa: E402
from destsync.entrypoints.commands import parse_now  # noqa: E402
from destsync.entrypoints.demo import write_school  # noqa: E402
from destsync.service.sync import context_for  # noqa: E402


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_school(per_cohort: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path = write_school(Path(tmp), 3, per_cohort, date(2026, 11, 22))
        cfg = load_config(cfg_path)
        ports = bootstrap.build(cfg, cfg.academies[0])
        now = parse_now("2026-11-22", cfg.timezone)
        roster = ports.roster.read()
        responses = ports.responses.read(None)
        rows = len(roster)
        ctx = context_for(cfg, "OAK")

        def first_sync() -> None:
            snap = ports.tracker.read()
            plan = plan_sync(snap, roster, responses, ctx, now)
            ports.tracker.apply(plan, "bench")

        t_read_csv = timed(lambda: ports.responses.read(None))
        first = timed(first_sync, repeat=1)
        snap = ports.tracker.read()
        t_read = timed(ports.tracker.read)
        t_plan = timed(lambda: plan_sync(snap, roster, responses, ctx, now))
        n = len(responses)
        print(f"{'read Form A CSV':46} {rows:6} {n:9} {t_read_csv:8.3f}")
        print(f"{'first sync (plan + write new workbook)':46} {rows:6} {n:9} {first:8.3f}")
        print(f"{'read tracker workbook':46} {rows:6} {n:9} {t_read:8.3f}")
        print(f"{'plan a no-change second sync (pure)':46} {rows:6} {n:9} {t_plan:8.3f}")

        def no_change_sync() -> None:
            plan = plan_sync(ports.tracker.read(), ports.roster.read(),
                             ports.responses.read(None), ctx, now)
            assert plan.is_empty(), "a second sync must change nothing"

        t_again = timed(no_change_sync, repeat=1)
        print(f"{'no-change sync (read all + plan, no write)':46} {rows:6} {n:9} {t_again:8.3f}")


def main() -> None:
    print(f"{'scenario':46} {'rows':>6} {'responses':>9} {'seconds':>8}")
    for per_cohort in (50, 3334):  # about 150 and 10,000 rows
        bench_school(per_cohort)


if __name__ == "__main__":
    main()
