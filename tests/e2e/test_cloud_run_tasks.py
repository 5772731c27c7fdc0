"""The Cloud Run path on the emulator: a trust of three academies split over two tasks,
leases per academy, JSON logs that Cloud Logging reads, and no personal data in them."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from destsync.adapters.google import sheets_api as api
from destsync.adapters.google.lease import LEASE_KEY, SheetsLease
from destsync.config.settings import load_config
from destsync.domain.lease import LeaseRecord
from destsync.entrypoints import bootstrap
from tests.e2e.emulated import FORM_ID, SHEET_ID, RemoteSchool
from tests.e2e.emulated import emulator_fixture as emulator_fixture
from tests.emulator import Emulator

pytestmark = pytest.mark.slow

CODES = ("ASH", "ELM", "OAK")
ACADEMY = """
[[academies]]
code = "{code}"
name = "{code} Academy (example)"
careers_email = "careers@{low}.example.org"
responses = {{ backend = "google_forms", form_id = "{form}" }}
roster = {{ path = "roster.csv" }}
tracker = {{ backend = "google_sheets", spreadsheet_id = "{sheet}" }}
"""


@pytest.fixture
def trust(tmp_path: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> RemoteSchool:
    school = RemoteSchool(tmp_path, emulator, capsys)
    text = ("[trust]\nname = \"Example Learning Trust\"\n\n[google]\nretry_seconds = 30\n"
            "lease_settle_ms = 50\n")
    for code in CODES:
        sheet, form = (SHEET_ID, FORM_ID) if code == "OAK" else (f"tracker-{code}", f"f-{code}")
        if code != "OAK":
            emulator.state.sheets.create("Destinations tracker", ["Sheet1"], sheet)
            emulator.state.forms.create("", form_id=form)
        text += ACADEMY.format(code=code, low=code.lower(), form=form, sheet=sheet)
    school.config.write_text(text, encoding="utf-8")
    school.setup()
    school.submit_csv_responses()
    return school


def run_task(school: RemoteSchool, monkeypatch: pytest.MonkeyPatch, index: int,
             count: int = 2, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.setenv("CLOUD_RUN_JOB", "destsync-sync")
    monkeypatch.setenv("CLOUD_RUN_EXECUTION", "destsync-sync-x1")
    monkeypatch.setenv("CLOUD_RUN_TASK_INDEX", str(index))
    monkeypatch.setenv("CLOUD_RUN_TASK_COUNT", str(count))
    monkeypatch.setenv("CLOUD_RUN_TASK_ATTEMPT", "0")
    code, out, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-02",
                                "--json", *extra)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return code, lines, out + err


def lease_records(emu: Emulator, sheet: str) -> list[Any]:
    return [m for m in emu.state.sheets.book(sheet).metadata.values() if m.key == LEASE_KEY]


def personal_data(folder: Path) -> set[str]:
    with (folder / "roster.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    found = set()
    for row in rows:
        for key, value in row.items():
            k = key.lower()
            if value and len(value) > 3 and any(w in k for w in ("name", "email", "phone")):
                found.add(value)
    return found


def test_two_tasks_share_three_academies_once_each_with_json_logs(
    trust: RemoteSchool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: Counter[str] = Counter()
    output = ""
    for index in (0, 1):
        code, lines, text = run_task(trust, monkeypatch, index)
        output += text
        assert code == 0, text
        [summary] = [x for x in lines if "academies" in x]
        seen.update(list(summary["academies"]))
        logs = [x for x in lines if "severity" in x]
        assert logs and all({"severity", "message", api_labels()} <= set(x) for x in logs)
        per_academy = [x for x in logs if "synced" in x["message"]]
        assert sorted(x[api_labels()]["academy"] for x in per_academy) == sorted(
            summary["academies"])
        assert all(x[api_labels()]["task"] == f"destsync-sync-x1/{index}" for x in logs)
    assert seen == Counter(CODES)  # every academy exactly once
    oak = trust.tracker()
    assert len(oak) > 10  # the responses were placed
    for sheet in (SHEET_ID, "tracker-ASH", "tracker-ELM"):
        assert lease_records(trust.emu, sheet) == []  # every lease released
    leaked = [v for v in personal_data(trust.folder) if v in output]
    assert leaked == []


def api_labels() -> str:
    return "logging.googleapis.com/labels"


def test_a_live_lease_skips_the_academy_and_an_expired_one_is_taken_over(
    trust: RemoteSchool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = load_config(trust.config)
    oak = next(a for a in cfg.academies if a.code == "OAK")
    sheet = bootstrap.google_tracker(cfg, oak, Counter()).api
    other = "destsync-sync-x0/task-0"
    now = datetime.now(UTC)
    assert SheetsLease(sheet, settle=0).acquire(other, now, timedelta(hours=1)) is None
    code, lines, text = run_task(trust, monkeypatch, 0, 1)
    assert code == 0, text  # not a failure: the other run is doing the work
    [summary] = [x for x in lines if "academies" in x]
    assert summary["skipped"] == {"OAK": other}
    assert "OAK" not in summary["academies"] and trust.tracker() == {}
    assert any("skipped" in x["message"] for x in lines if "severity" in x)
    # The other run died an hour ago: its lease has expired, so this run takes over.
    for m in lease_records(trust.emu, SHEET_ID):
        sheet.batch_update(api.forget([m.to_json()]))
    old = LeaseRecord(other, now - timedelta(hours=2), now - timedelta(hours=1))
    sheet.batch_update([api.meta(LEASE_KEY, old.to_text(), {"spreadsheet": True})])
    code, lines, text = run_task(trust, monkeypatch, 0, 1)
    assert code == 0, text
    [summary] = [x for x in lines if "academies" in x]
    assert summary["skipped"] == {} and "OAK" in summary["academies"]
    assert len(trust.tracker()) > 10
    assert lease_records(trust.emu, SHEET_ID) == []


def test_two_takers_racing_for_one_lease_agree_on_one_winner(trust: RemoteSchool) -> None:
    cfg = load_config(trust.config)
    oak = next(a for a in cfg.academies if a.code == "OAK")
    sheet = bootstrap.google_tracker(cfg, oak, Counter()).api
    now = datetime.now(UTC)
    first, second = "exec-a/task-0", "exec-b/task-0"
    # Both saw no lease and both wrote one (the race Sheets cannot prevent); the reads
    # after the settle decide, identically for both.
    for holder, taken in ((second, now + timedelta(seconds=1)), (first, now)):
        rec = LeaseRecord(holder, taken, taken + timedelta(hours=1))
        sheet.batch_update([api.meta(LEASE_KEY, rec.to_text(), {"spreadsheet": True})])
    lease_b = SheetsLease(sheet, settle=0)
    found = lease_b._records()
    from destsync.domain.lease import winner
    assert winner((r for _, r in found), second, now) == first
    assert winner((r for _, r in found), first, now) is None
