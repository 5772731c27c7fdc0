"""The check-in on the local backend through the real CLI (issue 16): a CSV export of the
check-in form, `setup` adding the Applications tab to the workbook, `sync` filling it and
the Intended columns, `check` counting the answers, and a bad export one clear line."""

from __future__ import annotations

import csv

import openpyxl

from destsync.domain.applications_tab import APPLICATIONS
from destsync.domain.checkin import default_questions
from tests.e2e.conftest import School, expect_one_line_error

QUESTIONS = default_questions(2)


def with_checkin(school: School, rows: list[dict[str, str]]) -> None:
    path = school.folder / "checkin.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Timestamp", *QUESTIONS.values()])
        for r in rows:
            w.writerow([r["when"], *(r.get(k, "") for k in QUESTIONS)])
    text = school.config.read_text(encoding="utf-8").split("\n# check-in\n")[0]
    school.config.write_text(
        text + '\n# check-in\ncheckin = { backend = "csv", path = "checkin.csv" }\n\n'
        '[checkin]\nslots = 2\n', encoding="utf-8")


def test_a_check_in_export_fills_the_applications_tab_and_the_intention(
        school: School) -> None:
    student = school.roster("2027")[0]  # a current Year 13
    school.sync("2026-09-20")
    tracker = openpyxl.load_workbook(school.tracker)["Tracker"]
    refs = [c.value for c in tracker["A"]]
    ref = next(r for r in refs if r and str(r).endswith(student["Admission number"]))
    with_checkin(school, [{
        "when": "2026/10/01 10:00:00 AM GMT+1", "reference": ref,
        "name": f"{student['Forename']} {student['Surname']}", "intended": "Apprenticeship",
        "app1_provider": "Example Engineering Ltd", "app1_course": "Level 3 apprenticeship",
        "app1_status": "Offer"}])
    code, out, err = school.cli("setup", "--config", str(school.config))
    assert code == 0, err
    assert APPLICATIONS in openpyxl.load_workbook(school.tracker).sheetnames
    code, out, err = school.cli("check", "--config", str(school.config))
    assert code == 0, err
    assert "check-in: 1 answers readable" in out
    code, out, err = school.cli("sync", "--config", str(school.config), "--now", "2026-10-02")
    assert code == 0, err
    assert "applications: added 1, updated 0 cells" in out
    rows = list(openpyxl.load_workbook(school.tracker)[APPLICATIONS].iter_rows(
        min_row=2, values_only=True))
    assert [(r[0], r[1], r[4]) for r in rows] == [(ref, "Example Engineering Ltd", "Offer")]
    assert school.sync("2026-10-03")["applications_added"] == 0


def test_a_check_in_export_without_a_question_is_one_clear_line(school: School) -> None:
    with_checkin(school, [])
    path = school.folder / "checkin.csv"
    path.write_text("Timestamp,Name\n", encoding="utf-8")
    before = school.tracker.read_bytes() if school.tracker.exists() else b""
    code, _, err = school.cli("sync", "--config", str(school.config), "--now", "2026-10-02")
    expect_one_line_error(code, err, "checkin.questions.")
    assert (school.tracker.read_bytes() if school.tracker.exists() else b"") == before
