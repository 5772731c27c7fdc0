"""Faults, quotas, scheduled staff actions and the control API of the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from googleapiclient.errors import HttpError

from tests.emulator import Emulator
from tests.emulator.clients import google_service

BATCH_GET = "sheets.spreadsheets.values.batchGet"
SEED = {
    "spreadsheetId": "tracker-1",
    "title": "Tracker",
    "sheets": [
        {
            "title": "Tracker",
            "frozenRowCount": 1,
            "values": [["Ref", "Destination"], ["R001", "Apprenticeship"], ["R002", "University"]],
            "rowMetadata": [
                {"row": 1, "key": "ref", "value": "R001"},
                {"row": 2, "key": "ref", "value": "R002"},
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture()
def emu(server: Emulator) -> Emulator:
    server.reset()
    server.state.seed(SEED)
    return server


def _batch_get(sheets: Any) -> Any:
    req = sheets.spreadsheets().values().batchGet(spreadsheetId="tracker-1", ranges=["Tracker"])
    req._sleep = lambda seconds: None  # googleapiclient's backoff, without the waiting
    return req


def test_two_429s_then_success_are_all_counted(emu: Emulator) -> None:
    requests.post(
        f"{emu.url}/_emulator/faults",
        json={"status": 429, "count": 2, "methods": [BATCH_GET], "retry_after": 1},
        timeout=5,
    )
    sheets = google_service("sheets", "v4", emu.url)
    got = _batch_get(sheets).execute(num_retries=2)
    assert got["valueRanges"][0]["values"][1] == ["R001", "Apprenticeship"]
    calls = requests.get(f"{emu.url}/_emulator/calls", timeout=5).json()
    assert calls == {BATCH_GET: 3}
    with pytest.raises(HttpError):  # other methods were never faulted; 503 without retries
        emu.fault(503, 1)
        _batch_get(sheets).execute()


def test_dropped_connection_raises_connection_error(emu: Emulator) -> None:
    emu.drop_connections(1)
    url = f"{emu.url}/v4/spreadsheets/tracker-1/values/Tracker!A1"
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, timeout=5)
    assert requests.get(url, timeout=5).json()["values"] == [["Ref"]]


def test_per_minute_quota_like_google(emu: Emulator) -> None:
    requests.post(
        f"{emu.url}/_emulator/faults", json={"quota_per_minute": {"sheets_read": 2}}, timeout=5
    )
    sheets = google_service("sheets", "v4", emu.url)
    _batch_get(sheets).execute()
    _batch_get(sheets).execute()
    with pytest.raises(HttpError) as info:
        _batch_get(sheets).execute()
    assert info.value.status_code == 429
    body = json.loads(info.value.content)
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert "Quota exceeded for quota metric 'Read requests'" in body["error"]["message"]
    sheets.spreadsheets().values().clear(spreadsheetId="tracker-1", range="Tracker!B3").execute()
    emu.advance_clock(61)
    _batch_get(sheets).execute()


def test_scheduled_staff_action_over_http_and_dump(emu: Emulator) -> None:
    requests.post(
        f"{emu.url}/_emulator/staff",
        json={
            "after": BATCH_GET,
            "action": {
                "type": "sort_rows",
                "spreadsheetId": "tracker-1",
                "sheet": "Tracker",
                "by_col": 1,
                "descending": True,
            },
        },
        timeout=5,
    ).raise_for_status()
    requests.post(
        f"{emu.url}/_emulator/staff",
        json={
            "action": {
                "type": "rename_header",
                "spreadsheetId": "tracker-1",
                "sheet": "Tracker",
                "old": "Destination",
                "new": "Destination (Year 1)",
            }
        },
        timeout=5,
    ).raise_for_status()
    sheets = google_service("sheets", "v4", emu.url)
    before = _batch_get(sheets).execute()["valueRanges"][0]["values"]
    assert before[1][0] == "R001" and before[0][1] == "Destination (Year 1)"
    after = _batch_get(sheets).execute()["valueRanges"][0]["values"]
    assert [r[0] for r in after[1:]] == ["R002", "R001"]  # the sort fired after the first read
    dump = requests.get(f"{emu.url}/_emulator/dump", timeout=5).json()
    assert dump["calls"] == {BATCH_GET: 2} and dump["scheduled"] == []
    assert dump["spreadsheets"]["tracker-1"]["values"]["Tracker"][1][0] == "R002"
    assert emu.state.sheets.row_metadata("tracker-1", "ref") == {"R002": 1, "R001": 2}


def test_seed_and_responses_endpoints(emu: Emulator, tmp_path: Path) -> None:
    seed = tmp_path / "form.json"
    seed.write_text(
        json.dumps({"formId": "form-a", "title": "Form A", "questions": [{"title": "Reference"}]}),
        encoding="utf-8",
    )
    made = requests.post(f"{emu.url}/_emulator/seed", json={"path": str(seed)}, timeout=5).json()
    assert made == {"spreadsheets": [], "forms": ["form-a"]}
    requests.post(
        f"{emu.url}/_emulator/forms/form-a/responses",
        json={
            "responses": [{"answers": {"Reference": "R001"}, "submitted": "2025-09-01T10:00:00Z"}]
        },
        timeout=5,
    )
    listed = (
        google_service("forms", "v1", emu.url).forms().responses().list(formId="form-a").execute()
    )
    assert len(listed["responses"]) == 1


def test_standalone_entry_point_prints_host() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("WORKSPACE_EMULATOR_HOST=127.0.0.1:")
        host = line.split("=", 1)[1]
        assert requests.get(f"http://{host}/_emulator/calls", timeout=5).json() == {}
    finally:
        proc.terminate()
        proc.wait(timeout=5)


@pytest.mark.parametrize("mode", ["dropped", "lost"])
def test_a_stop_at_the_kth_call_drops_it_or_loses_its_answer_then_an_outage(
    emu: Emulator, mode: str
) -> None:
    emu.stop_at(2, mode)
    url = f"{emu.url}/v4/spreadsheets/tracker-1/values/Tracker!B2:clear"
    read = f"{emu.url}/v4/spreadsheets/tracker-1/values/Tracker!B2"
    assert requests.get(read, timeout=5).json()["values"] == [["Apprenticeship"]]  # call 1
    if mode == "lost":
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(url, json={}, timeout=5)
    else:
        assert requests.post(url, json={}, timeout=5).status_code == 503
    assert requests.get(read, timeout=5).status_code == 503  # the outage that follows
    emu.clear_faults()
    got = requests.get(read, timeout=5).json().get("values")
    assert got == (None if mode == "lost" else [["Apprenticeship"]])
