"""A trust of many academies on the Workspace emulator under a per-minute quota, with a
virtual clock: the pacer's waits move the emulator's quota clock instead of sleeping, so a
run that would pace itself over minutes takes seconds (used by a test and a benchmark)."""

from __future__ import annotations

import contextlib
import io
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from destsync.adapters.google import pacing
from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.entrypoints.cli import main
from destsync.entrypoints.demo import write_school
from tests.emulator import Emulator

ACADEMY = """
[[academies]]
code = "A{n:02d}"
name = "Academy {n} (example)"
careers_email = "careers@a{n:02d}.example.org"
responses = {{ backend = "google_forms", form_id = "form-{n}" }}
roster = {{ path = "roster.csv" }}
tracker = {{ backend = "google_sheets", spreadsheet_id = "sheet-{n}" }}
"""
BUCKETS = ("sheets_read", "sheets_write", "forms_read", "forms_write")


class VirtualClock:
    """time.monotonic plus the waits so far; each wait also moves the emulator's clock."""

    def __init__(self, emu: Emulator) -> None:
        self.emu, self.offset = emu, 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += seconds
        self.emu.advance_clock(seconds)


class Trust:
    def __init__(self, folder: Path, emu: Emulator, academies: int, per_minute: int,
                 per_cohort: int = 4) -> None:
        self.emu, self.folder = emu, folder
        local = write_school(folder, seed=5, per_cohort=per_cohort, until=date(2026, 11, 1))
        del local  # only its roster.csv and the invented answers are used
        quota = "\n".join(f"{b}s_per_minute = {per_minute}" for b in BUCKETS)
        text = ('[trust]\nname = "Example Learning Trust"\n\n[google]\nretry_seconds = 600\n'
                f"lease_settle_ms = 0\n{quota}\n")
        text += "".join(ACADEMY.format(n=n) for n in range(academies))
        self.config = folder / "trust.toml"
        self.config.write_text(text, encoding="utf-8")
        for n in range(academies):
            emu.state.sheets.create(f"Tracker {n}", ["Sheet1"], f"sheet-{n}")
            emu.state.forms.create("", form_id=f"form-{n}")
        self.clock = VirtualClock(emu)
        pacing.use_clock(self.clock.now, self.clock.sleep)
        self.per_minute = per_minute

    def submit(self, academy: int, answers: dict[str, str], submitted: str) -> None:
        by_title = {DEFAULT_QUESTIONS[k]: v for k, v in answers.items() if v}
        self.emu.state.forms.add_response(f"form-{academy}", by_title, submitted, None)

    def cli(self, *args: str) -> tuple[int, dict[str, Any]]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        assert code == 0, err.getvalue()[-2000:]
        text = out.getvalue().strip()
        return code, json.loads(text.splitlines()[-1]) if text.startswith("{") else {}

    def start_quota(self) -> None:
        """From here on the emulator refuses, like Google, what goes over the quota."""
        self.emu.set_quota(**{b: self.per_minute for b in BUCKETS})

    def refused(self) -> int:
        """Answers of 429 so far (no other fault is set)."""
        with self.emu.state.lock:
            return sum(self.emu.state.errors.values())

    def calls(self) -> int:
        return sum(self.emu.calls().values())

    def close(self) -> None:
        pacing.use_clock(time.monotonic, time.sleep)
