"""Staff working in the sheet while destsync runs, and Google having a bad day.

Staff actions are injected by the emulator right after destsync's read, so they land
between its read and its write: the worst moment. Faults are bursts of 429/503 and dropped
connections; the retry policy is made fast so the tests take no time.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from destsync.adapters.google.retry import RetryPolicy
from destsync.entrypoints import bootstrap
from destsync.entrypoints.cli import main
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
    xlsx_records,
)
from tests.emulator.a1 import cell_name

pytestmark = pytest.mark.slow
READ = "sheets.spreadsheets.values.batchGet"
PROVIDER = "Actual provider / employer"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "retry_policy", lambda cfg: RetryPolicy(
        total_seconds=3, first_delay=0.005, max_delay=0.02, max_attempts=12))


def started(remote: RemoteSchool) -> str:
    """Set up, place the CSV export, and return a Ref of the 2026 leavers."""
    remote.setup()
    remote.submit_csv_responses()
    remote.sync()
    rows = remote.tracker()
    return sorted(ref for ref, r in rows.items() if r["Leaving year"] == "2026"
                  and not r[PROVIDER])[0]


def answer(remote: RemoteSchool, ref: str, provider: str, when: str = "2026-11-05") -> None:
    remote.submit({"reference": ref, "name": "x", "destination": "College",
                   "provider": provider, "consent": "Yes"}, f"{when}T10:00:00Z")


def cell(remote: RemoteSchool, ref: str, header: str) -> str:
    return remote.tracker()[ref][header]


def test_a_cell_edited_between_read_and_write_is_kept_and_shown_as_a_conflict(
    remote: RemoteSchool,
) -> None:
    ref = started(remote)
    answer(remote, ref, "Riverside College")
    header = remote.sheets.values(SHEET_ID, "Tracker")[0]
    col = header.index(PROVIDER)

    def staff_types() -> None:
        values = remote.sheets.values(SHEET_ID, "Tracker")
        r = next(i for i, v in enumerate(values) if v and v[0] == ref)
        remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(r, col), "Checked by phone")

    remote.emu.schedule(READ, staff_types)
    summary = remote.sync("2026-11-06")
    assert summary["conflicts"] == summary["conflicts_at_write"] == 1  # found at write time
    assert summary["academies"]["OAK"]["conflicts"] == 1
    assert cell(remote, ref, PROVIDER) == "Checked by phone"
    conflicts = [r for r in remote.tab("Review") if r["Kind"] == "Conflict" and r["Ref"] == ref]
    assert conflicts and conflicts[0]["Value from form"] == "Riverside College"
    assert conflicts[0]["Value in tracker"] == "Checked by phone"
    # The merge base did not move: the next run still treats the cell as the person's.
    again = remote.sync("2026-11-07")
    assert cell(remote, ref, PROVIDER) == "Checked by phone"
    assert again["cells_updated"] == 0


def test_writes_land_on_the_right_rows_when_staff_sort_insert_rows_and_columns_mid_run(
    remote: RemoteSchool,
) -> None:
    ref = started(remote)
    before = remote.tracker()
    answer(remote, ref, "Sparks Example Works")

    def staff_reorganise() -> None:
        remote.sheets.sort_rows(SHEET_ID, "Tracker", by_col=2, descending=True)
        remote.sheets.insert_row(SHEET_ID, "Tracker", 1, ["", "Note typed by staff"])
        remote.sheets.insert_column(SHEET_ID, "Tracker", 2, header="Tutor group (staff)")

    remote.emu.schedule(READ, staff_reorganise)
    summary = remote.sync("2026-11-06")
    assert summary["conflicts"] == 0
    after = remote.tracker()
    assert after[ref][PROVIDER] == "Sparks Example Works"
    assert after[ref]["Actual destination"] == "College"
    for other, row in before.items():
        if other != ref:
            assert {k: v for k, v in after[other].items() if k != "Tutor group (staff)"} == row
    values = remote.sheets.values(SHEET_ID, "Tracker")
    assert values[0][2] == "Tutor group (staff)"
    assert ["", "Note typed by staff"] == values[1][:2]


def test_a_row_deleted_mid_run_gets_no_stray_write(remote: RemoteSchool) -> None:
    ref = started(remote)
    answer(remote, ref, "Riverside College")

    def staff_deletes() -> None:
        values = remote.sheets.values(SHEET_ID, "Tracker")
        r = next(i for i, v in enumerate(values) if v and v[0] == ref)
        remote.sheets.delete_row(SHEET_ID, "Tracker", r)

    before = {k: v for k, v in remote.tracker().items() if k != ref}
    remote.emu.schedule(READ, staff_deletes)
    remote.sync("2026-11-06")
    after = remote.tracker()
    assert ref not in after and after == before
    review = [r for r in remote.tab("Review") if r["Ref"] == ref and r["Field"] == PROVIDER]
    assert review and review[0]["Value from form"] == "Riverside College"
    assert "deleted" in review[0]["What to do"]




def assert_same_as_local(remote: RemoteSchool, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["sync", "--config", str(remote.local_config), "--now", "2026-11-02",
                 "--json"]) == 0
    capsys.readouterr()
    expected = xlsx_records(remote.folder / "tracker.xlsx")
    got = remote.tracker()
    assert set(got) == set(expected)
    for ref, row in expected.items():
        assert {k: v for k, v in got[ref].items() if k != "Consent evidence"} == {
            k: v for k, v in row.items() if k != "Consent evidence"}


@pytest.mark.parametrize("fault", [
    {"status": 503, "count": 4},
    {"status": 429, "count": 3, "retry_after": 0.01},
    {"status": 500, "count": 2, "methods": ["sheets.spreadsheets.batchUpdate"]},
    {"drop": 3},
])
def test_a_burst_of_faults_is_survived_with_the_same_result(
    remote: RemoteSchool, capsys: pytest.CaptureFixture[str], fault: dict[str, Any]
) -> None:
    remote.setup()
    remote.submit_csv_responses()
    if "drop" in fault:
        remote.emu.drop_connections(fault["drop"])
    else:
        remote.emu.fault(fault["status"], fault["count"], fault.get("methods"),
                         fault.get("retry_after"))
    summary = remote.sync()
    assert summary["rows_added"] >= 36
    assert sum(remote.emu.state.errors.values()) >= (0 if "drop" in fault else 1)
    assert_same_as_local(remote, capsys)
    # The Tracker holds each student once: no retried append doubled a row.
    refs = [r[0] for r in remote.sheets.values(SHEET_ID, "Tracker")[1:] if r and r[0]]
    assert len(refs) == len(set(refs))


def test_a_run_that_runs_out_of_retry_budget_stops_cleanly_and_the_next_run_finishes(
    remote: RemoteSchool, capsys: pytest.CaptureFixture[str]
) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.emu.fault(503, 1000, ["sheets.spreadsheets.values.batchUpdateByDataFilter"])
    code, out, err = remote.cli("sync", "--config", str(remote.config), "--now", "2026-11-02")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: sheets.values.batchUpdateByDataFilter still failing")
    assert "Traceback" not in err and len(lines) == 2
    assert "new rows were added" in lines[1]  # the truth: rows went in, values did not
    remote.emu.clear_faults()
    summary = remote.sync()
    assert summary["cells_updated"] == 0  # rows written before the stop are adopted as-is
    assert_same_as_local(remote, capsys)


def test_the_run_summary_counts_calls_by_api_and_method(
    remote: RemoteSchool, capsys: pytest.CaptureFixture[str]
) -> None:
    remote.setup()
    remote.submit_csv_responses()
    before = remote.emu.calls()
    code, out, _ = remote.cli("sync", "--config", str(remote.config), "--now", "2026-11-02",
                              "--json")
    assert code == 0
    summary = json.loads(out)["api_calls"]
    made = {k: v - before.get(k, 0) for k, v in remote.emu.calls().items()
            if v - before.get(k, 0)}
    as_summary: dict[str, dict[str, int]] = {}
    for method_id, n in made.items():
        api, _, rest = method_id.partition(".")
        short = rest.partition(".")[2]
        if api in ("sheets", "forms"):
            as_summary.setdefault(api, {})[short] = n
    assert {k: summary[k] for k in as_summary} == as_summary
