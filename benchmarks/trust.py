#!/usr/bin/env python3
"""A trust on the Workspace emulator under Google's per-user quota of 60 requests a minute
(Sheets reads, Sheets writes, Forms reads and writes each): API calls, answers of 429 and
wall time of one run over N academies (default 40), with the emulator refusing past the
quota exactly as Google does. The pacer's waits move a virtual clock (the emulator's
quota clock with it), so "paced minutes" is the time the run would wait against Google.
Peak memory is tracemalloc's over the sync (destsync and the in-process emulator
together; the wall time includes tracemalloc's own overhead); what the run itself needed
is the peak less what is still allocated when it ends. Calls per academy are
given with and without the sends' own (the ledger writes around the emails).

Then the same kind of work through a naive gspread script (find the row, update each cell)
on a few responses, and the calls it would need for 5,000, extrapolated (labelled so).

    .venv/bin/python benchmarks/trust.py [ACADEMIES [STUDENTS_PER_YEAR]]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.emulated_trust import Trust
from tests.emulator import Emulator
from tests.emulator.clients import gspread_client

ANSWER = {"name": "Robin Newcombe", "dob": "03/03/2008", "leaving_year": "2026",
          "destination": "Apprenticeship", "provider": "Example Engineering Ltd",
          "consent": "Yes"}


def trust_run(academies: int, per_cohort: int = 4) -> None:
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        os.environ["WORKSPACE_EMULATOR_HOST"] = emu.host
        trust = Trust(Path(tmp), emu, academies, per_minute=60, per_cohort=per_cohort)
        try:
            trust.cli("setup", "--config", str(trust.config))
            for n in range(academies):
                trust.submit(n, ANSWER, "2026-06-01T10:00:00Z")
            trust.start_quota()
            before, paced = trust.calls(), trust.clock.offset
            tracemalloc.start()
            t0 = time.perf_counter()
            _, summary = trust.cli("sync", "--config", str(trust.config), "--now",
                                   "2026-11-02", "--json")
            wall = time.perf_counter() - t0
            held, peak = (n / 1e6 for n in tracemalloc.get_traced_memory())
            tracemalloc.stop()
            calls = trust.calls() - before
            entries = summary["academies"].values()
            per = max(sum(a["api_calls"].values()) for a in entries)
            bare = max(sum(a["api_calls"].values()) - sum(a["api_calls_sending"].values())
                       for a in entries)
            rows = summary["rows_added"] // academies
            print(f"{'trust run, 60 a minute':34} {academies:4} academies of {rows} rows "
                  f"{calls:5} calls (at most {per} per academy, {bare} sends aside)  "
                  f"{trust.refused():3} answers of 429  {wall:6.1f} s wall  "
                  f"{(trust.clock.offset - paced) / 60:5.1f} paced minutes  "
                  f"{peak:6.1f} MB peak, {peak - held:5.1f} MB above what stays after "
                  "(the emulator's sheets, the libraries loaded)", flush=True)
        finally:
            trust.close()
            os.environ.pop("WORKSPACE_EMULATOR_HOST", None)


def naive(responses: int = 20) -> None:
    """The per-cell way: for each response, find the student's row, then one update per
    answered field."""
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        os.environ["WORKSPACE_EMULATOR_HOST"] = emu.host
        trust = Trust(Path(tmp), emu, 1, per_minute=60)
        try:
            trust.cli("setup", "--config", str(trust.config))
            trust.cli("sync", "--config", str(trust.config), "--now", "2026-11-02")
            ws = gspread_client(emu.url).open_by_key("sheet-0").worksheet("Tracker")
            refs = ws.col_values(1)[1:responses + 1]
            header = ws.row_values(1)
            before = trust.calls()
            for ref in refs:
                row = ws.find(ref, in_column=1).row
                for field in ("Intended destination", "Intended provider / employer",
                              "Consent", "Intended response date"):
                    ws.update_cell(row, header.index(field) + 1, ANSWER.get(field, "x"))
            calls = trust.calls() - before
            per = calls / len(refs)
            print(f"{'naive gspread, per cell':34} {len(refs):4} responses {calls:5} calls; "
                  f"5,000 responses: about {per * 5000:,.0f} calls (extrapolated), against "
                  "the calls per academy of the trust run above", flush=True)
        finally:
            trust.close()
            os.environ.pop("WORKSPACE_EMULATOR_HOST", None)


def main(argv: list[str]) -> None:
    trust_run(int(argv[0]) if argv else 40, int(argv[1]) if len(argv) > 1 else 4)
    if not argv:  # academies of 121 rows: memory that grows with an academy shows
        trust_run(40, 40)
    naive()


if __name__ == "__main__":
    main(sys.argv[1:])
