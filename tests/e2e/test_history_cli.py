"""`destsync history` on the demo school's workbook, through the real CLI."""

from __future__ import annotations

from tests.e2e.conftest import School, expect_one_line_error


def test_history_prints_one_students_story_oldest_first_without_contact_details(
    school: School,
) -> None:
    school.sync()
    student = school.roster()[0]
    ref = f"OAK-{student['Admission number']}"
    code, out, err = school.cli("history", "--config", str(school.config), "--ref", ref)
    assert code == 0, err
    head, *lines = out.strip().splitlines()
    assert head.startswith(f"{ref}: ") and lines
    stamps = [line.split()[0] for line in lines]
    assert stamps == sorted(stamps)
    assert "@" not in out and "***" not in out and student["Forename"] not in out
    assert any("new row" in line for line in lines)


def test_history_of_an_unknown_ref_is_one_clear_line(school: School) -> None:
    school.sync()
    code, _, err = school.cli("history", "--config", str(school.config), "--ref", "OAK-0")
    expect_one_line_error(code, err, "OAK-0")
