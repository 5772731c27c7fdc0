#!/usr/bin/env python3
"""What a sync costs against the Google backends: API calls by method and wall time, at
about 10 and 2,000 tracker rows, through the real CLI and client libraries talking to the
local Workspace emulator (no network). Run: python3 dev.py bench

The call counts are the figure that matters (Sheets allows about 60 reads and 60 writes a
minute per user); seconds here are the emulator's, not Google's, latency.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.emulated import RemoteSchool
from tests.emulator import Emulator


class Capture:
    """What RemoteSchool needs of pytest's capsys: the output of the last CLI call."""

    def __init__(self) -> None:
        self._out = io.StringIO()
        self._err = io.StringIO()
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(contextlib.redirect_stdout(self._out))
        self._stack.enter_context(contextlib.redirect_stderr(self._err))

    def readouterr(self) -> tuple[str, str]:
        out, err = self._out.getvalue(), self._err.getvalue()
        for buf in (self._out, self._err):
            buf.seek(0)
            buf.truncate()
        return out, err

    def close(self) -> None:
        self._stack.close()


def calls(summary: dict[str, Any]) -> str:
    parts = []
    for api, methods in summary["api_calls"].items():
        if api in ("sheets", "forms"):
            parts += [f"{api}.{m} {n}" for m, n in methods.items()]
    return ", ".join(parts)


def timed_sync(school: RemoteSchool, now: str) -> tuple[dict[str, Any], float]:
    t0 = time.perf_counter()
    summary = school.sync(now)
    return summary, time.perf_counter() - t0


def bench(per_cohort: int) -> list[tuple[str, int, float, str]]:
    rows: list[tuple[str, int, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        os.environ["WORKSPACE_EMULATOR_HOST"] = emu.host
        cap = Capture()
        try:
            school = RemoteSchool(Path(tmp), emu, cap, per_cohort=per_cohort)  # type: ignore[arg-type]
            school.setup()
            school.submit_csv_responses()
            first, t1 = timed_sync(school, "2026-11-02")
            n = len(school.tracker())
            rows.append(("first sync", n, t1, calls(first)))
            for i, ref in enumerate(sorted(school.tracker())[:5]):
                school.submit({"reference": ref, "name": "x", "destination": "College",
                               "provider": f"Example College {i}", "consent": "Yes"},
                              f"2026-11-0{3 + i % 3}T10:00:00Z")
            second, t2 = timed_sync(school, "2026-11-06")
            rows.append(("sync with 5 new answers", n, t2, calls(second)))
            third, t3 = timed_sync(school, "2026-11-06")
            rows.append(("sync with nothing new", n, t3, calls(third)))
        finally:
            cap.close()
            os.environ.pop("WORKSPACE_EMULATOR_HOST", None)
    return rows


def main() -> None:
    results = [r for per_cohort in (4, 667) for r in bench(per_cohort)]
    print(f"{'Google backends via the emulator':32} {'rows':>6} {'seconds':>8}  API calls")
    for label, n, seconds, api in results:
        print(f"{label:32} {n:6} {seconds:8.2f}  {api}")


if __name__ == "__main__":
    main()
