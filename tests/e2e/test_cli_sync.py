"""The real CLI on real files: a careers leader's week, end to end."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.e2e.conftest import School

ROOT = Path(__file__).resolve().parents[2]


def tracker_rows(path: Path) -> dict[str, dict[str, object]]:
    ws = openpyxl.load_workbook(path)["Tracker"]
    headers = [c.value for c in ws[1]]
    rows = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        record = dict(zip(headers, row, strict=False))
        if record.get("Ref"):
            rows[str(record["Ref"])] = record
    return rows


def review_rows(path: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)["Review"]
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_a_first_sync_builds_the_tracker_and_a_second_changes_nothing(school: School) -> None:
    first = school.sync()
    assert first["rows_added"] >= 36 and first["cells_updated"] == 0
    assert first["responses_read"] > 10 and first["api_calls"] == {}
    before = school.tracker.read_bytes()
    second = school.sync()
    assert (second["rows_added"], second["cells_updated"], second["review_items"]) == (0, 0, 0)
    assert school.tracker.read_bytes() == before  # an empty plan writes nothing at all


def test_a_staff_edit_survives_and_the_form_value_is_shown_as_a_conflict(school: School) -> None:
    school.sync()
    student = school.roster()[0]
    ref = f"OAK-{student['Admission number']}"
    wb = openpyxl.load_workbook(school.tracker)
    ws = wb["Tracker"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == ref)
    col = headers.index("Actual provider / employer") + 1
    ws.cell(row, col).value = "Checked by phone: Example College"
    wb.save(school.tracker)
    school.add_response(
        "2026/11/05 10:00:00 AM GMT",
        reference=ref,
        name="x",
        destination="College",
        provider="Riverside College",
        consent="Yes",
    )
    summary = school.sync("2026-11-06")
    assert summary["conflicts"] == 1
    assert tracker_rows(school.tracker)[ref]["Actual provider / employer"] == (
        "Checked by phone: Example College"
    )
    conflict = [r for r in review_rows(school.tracker) if r["Kind"] == "Conflict"]
    assert conflict[0]["Value from form"] == "Riverside College"


def test_writes_land_on_the_right_rows_after_staff_sort_and_insert_a_column(
    school: School,
) -> None:
    school.sync()
    before = tracker_rows(school.tracker)
    wb = openpyxl.load_workbook(school.tracker)
    ws = wb["Tracker"]
    data = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    data.sort(key=lambda r: str(r[2]), reverse=True)  # staff sort by surname, Z to A
    for i, values in enumerate(data, start=2):
        for j, v in enumerate(values, start=1):
            ws.cell(i, j).value = v
    ws.insert_cols(3)
    ws.cell(1, 3).value = "Tutor group (staff)"
    ws.cell(2, 3).value = "13B"
    wb.save(school.tracker)
    target = school.roster()[5]
    ref = f"OAK-{target['Admission number']}"
    school.add_response(
        "2026/11/05 10:00:00 AM GMT",
        reference=ref,
        name="x",
        destination="Apprenticeship",
        provider="Sparks Example Works",
        consent="Yes",
    )
    summary = school.sync("2026-11-06")
    assert summary["conflicts"] == 0
    after = tracker_rows(school.tracker)
    assert after[ref]["Actual destination"] == "Apprenticeship"
    assert after[ref]["Actual provider / employer"] == "Sparks Example Works"
    for other, row in before.items():
        if other != ref:
            assert {k: v for k, v in after[other].items() if k != "Tutor group (staff)"} == row
    ws = openpyxl.load_workbook(school.tracker)["Tracker"]
    assert ws.cell(1, 3).value == "Tutor group (staff)" and ws.cell(2, 3).value == "13B"


def test_a_renamed_header_stops_the_run_with_one_line_and_writes_nothing(
    school: School,
) -> None:
    school.sync()
    wb = openpyxl.load_workbook(school.tracker)
    ws = wb["Tracker"]
    col = [c.value for c in ws[1]].index("Consent") + 1
    ws.cell(1, col).value = "Consent given?"
    wb.save(school.tracker)
    before = school.tracker.read_bytes()
    code, out, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-06")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ") and "'Consent'" in lines[0]
    assert lines[1].startswith("hint: ") and "columns.consent" in lines[1]
    assert "Traceback" not in err
    assert school.tracker.read_bytes() == before


def test_a_renamed_form_question_is_a_clear_error(school: School) -> None:
    text = school.responses.read_text(encoding="utf-8")
    school.responses.write_text(text.replace("Personal Email", "Your email", 1), encoding="utf-8")
    code, _, err = school.cli("sync", "--config", str(school.config))
    assert code == 2
    assert "'Personal Email'" in err and "form_a.questions.email" in err
    assert not school.tracker.exists()


def test_dry_run_prints_the_plan_and_writes_nothing(school: School) -> None:
    code, out, _ = school.cli(
        "sync", "--config", str(school.config), "--now", "2026-11-02", "--dry-run"
    )
    assert code == 0
    assert "dry run: nothing written" in out and "+ new row OAK-" in out
    assert not school.tracker.exists()


def test_the_console_script_runs_the_sample_config(tmp_path: Path) -> None:
    """The README's first command, minus the venv: the bundled sample config as shipped."""
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "config", work / "config")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "destsync",
            "sync",
            "--config",
            str(work / "config/example.toml"),
            "--now",
            "2026-11-22",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (work / "output" / "oakfield-tracker.xlsx").exists()
    assert "added" in proc.stdout
