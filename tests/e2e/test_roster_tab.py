"""The roster from a tab of the tracker's spreadsheet: no local file on Cloud Run, and no
extra call, since the tab is read in the tracker's one batchGet."""

from __future__ import annotations

import csv
from typing import Any

import pytest

from tests.e2e.emulated import SHEET_ID, RemoteSchool
from tests.e2e.emulated import emulator_fixture as emulator_fixture
from tests.e2e.emulated import remote_fixture as remote_fixture
from tests.emulator.sheets_model import Sheet

pytestmark = pytest.mark.slow


def paste_roster(remote: RemoteSchool, tab: str = "Roster") -> int:
    """The MIS export pasted into a tab, as a data officer would."""
    with (remote.folder / "roster.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    ss = remote.sheets.book(SHEET_ID)
    sheet = Sheet(ss.next_sheet_id, tab, len(ss.sheets))
    ss.next_sheet_id += 1
    ss.sheets.append(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.set(r, c, value)
    return len(rows) - 1


def use_tab(remote: RemoteSchool, tab: str = "Roster") -> None:
    text = remote.config.read_text(encoding="utf-8")
    remote.config.write_text(text.replace('roster = { path = "roster.csv" }',
                                          f'roster = {{ tab = "{tab}" }}'), encoding="utf-8")


def calls(summary: dict[str, Any]) -> int:
    return sum(n for methods in summary["api_calls"].values() for n in methods.values())


def test_a_roster_tab_gives_the_same_tracker_as_the_csv_at_no_extra_call(
    remote: RemoteSchool,
) -> None:
    remote.setup()
    students = paste_roster(remote)
    use_tab(remote)
    remote.submit_csv_responses()
    first = remote.sync()
    assert first["rows_added"] >= students
    tracker = remote.tracker()
    with (remote.folder / "roster.csv").open(encoding="utf-8") as fh:
        refs = {f"OAK-{row['Admission number']}" for row in csv.DictReader(fh)}
    assert refs <= set(tracker)
    second = remote.sync()
    assert second["rows_added"] == 0 and second["cells_updated"] == 0
    # The roster adds no call; the lease is a write and a read (get) to take, a write to
    # release.
    assert second["api_calls"]["sheets"] == {"values.batchGet": 1, "batchUpdate": 2, "get": 1}
    assert second["academies"]["OAK"]["api_calls"]["sheets.values.batchGet"] == 1


def test_a_missing_roster_tab_is_one_line_naming_the_tab_and_the_fix(
    remote: RemoteSchool,
) -> None:
    remote.setup()
    use_tab(remote, "MIS export")
    code, _, err = remote.cli("sync", "--config", str(remote.config), "--now", "2026-11-02")
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "'MIS export'" in lines[0] and "paste" in lines[1]
