"""The run summary counts what happened, including what the tracker found only at write
time: cells a person edited during the run, left alone and shown on Review."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from destsync.domain.model import TrackerSnapshot
from destsync.domain.plan import Plan
from destsync.service.ports import AcademyPorts
from destsync.service.sync import run_sync
from tests.builders import response, student
from tests.fakes import ListRoster, ListSource, MemoryTracker
from tests.mailkit import school_config


class EditedDuringTheWrite(MemoryTracker):
    """As the Sheets tracker does when its re-read finds two planned cells edited."""

    def apply(self, plan: Plan, run_id: str = "run") -> int:
        super().apply(plan, run_id)
        return 2


def test_conflicts_found_at_write_time_are_in_the_totals_and_the_academy_entry(
    tmp_path: Path,
) -> None:
    cfg = school_config(tmp_path)
    s = student(1, leaving_year=2026)
    answer = response("R1", datetime(2026, 6, 1, 9, tzinfo=UTC), s, consent="Yes")
    code = cfg.academies[0].code
    counted: dict[str, dict[str, Any]] = {}
    for tracker in (MemoryTracker(TrackerSnapshot()), EditedDuringTheWrite(TrackerSnapshot())):
        ports = [AcademyPorts(cfg.academies[0], ListSource([answer]), tracker,
                              ListRoster([s]), Counter(), None)]
        counted[type(tracker).__name__] = run_sync(
            cfg, ports, datetime(2026, 6, 2, 9, tzinfo=UTC)).summary()
    plain, late = counted["MemoryTracker"], counted["EditedDuringTheWrite"]
    assert plain["conflicts_at_write"] == 0
    assert late["conflicts_at_write"] == 2
    for key in ("conflicts", "review_items"):
        assert late[key] == plain[key] + 2
        assert late["academies"][code][key] == plain["academies"][code][key] + 2
