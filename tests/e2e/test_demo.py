"""`destsync demo`: a synthetic school replayed over a year, left for a person to open."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from destsync.entrypoints.cli import main

pytestmark = pytest.mark.slow


def test_the_demo_leaves_a_complete_tracker_that_a_second_sync_leaves_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "school"
    assert main(["demo", "--out", str(out), "--leavers", "20", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("destsync sync") == 6  # six dates replayed
    wb = openpyxl.load_workbook(out / "tracker.xlsx")
    assert {"Tracker", "Review", "Change log", "Returns"} <= set(wb.sheetnames)
    assert wb["Tracker"].max_row - 1 >= 60  # three cohorts of 20, plus strangers
    # The full export is back in place, and every response in it was placed somewhere.
    with (out / "form-a-responses.csv").open(encoding="utf-8", newline="") as fh:
        ids = [r for r in csv.reader(fh)][1:]
    answered = [r for r in ids if any(r)]
    outcomes = [r[2] for r in wb["_destsync_responses"].iter_rows(min_row=2, values_only=True)]
    assert len(outcomes) == len(answered)
    assert set(outcomes) <= {"tracker", "review", "superseded"}
    # The invented school includes hostile answers; none became a formula.
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    assert list((out / "outbox").glob("*.eml"))
    # Nothing left to do on the same day.
    today = date.today().isoformat()
    assert main(["sync", "--config", str(out / "destsync.toml"), "--now", today,
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["cells_updated"], summary["rows_added"], summary["emails_sent"]) == (0, 0, 0)
