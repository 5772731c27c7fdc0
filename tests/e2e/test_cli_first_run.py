"""A first deployment and a Monday morning, through the real CLI: every foreseeable mistake
is one `error:` line and one `hint:` line on stderr, exit code 2, no traceback, and the
tracker untouched."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from destsync.entrypoints.cli import main
from tests.e2e.conftest import School, expect_one_line_error

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "destsync" / "templates"


def one_line_error(code: int, out: str, err: str, *needles: str) -> str:
    """Assert the project's rule for a foreseeable problem and return the error line."""
    return expect_one_line_error(code, err, *needles)[0]


def edit_config(school: School, old: str, new: str) -> None:
    text = school.config.read_text(encoding="utf-8")
    assert old in text, old
    school.config.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_academy(school: School, code: str, tracker: str) -> None:
    with school.config.open("a", encoding="utf-8") as fh:
        fh.write(
            f'\n[[academies]]\ncode = "{code}"\nname = "Elm Academy (example)"\n'
            'careers_email = "careers@elm.example.org"\n'
            'responses = { backend = "csv", path = "form-a-responses.csv" }\n'
            f'tracker = {{ backend = "xlsx", path = "{tracker}" }}\n'
        )


# -- --now --------------------------------------------------------------------------------


@pytest.mark.parametrize("now", ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"])
def test_now_outside_a_plausible_range_is_one_line_and_writes_nothing(
    school: School, now: str
) -> None:
    code, out, err = school.cli("sync", "--config", str(school.config), "--now", now)
    one_line_error(code, out, err, f"--now '{now}'", "2000 to 2099")
    assert not school.tracker.exists()


def test_preview_with_an_absurd_now_is_one_line(school: School) -> None:
    code, out, err = school.cli(
        "preview", "--config", str(school.config), "--campaign", "form_b",
        "--now", "0001-01-01", "--html", str(school.folder / "p.html"),
    )
    one_line_error(code, out, err, "--now")


# -- config -------------------------------------------------------------------------------


def test_an_unknown_time_zone_is_a_config_error(school: School) -> None:
    edit_config(school, 'timezone = "Europe/London"', 'timezone = "Europe/Londn"')
    code, out, err = school.cli("check", "--config", str(school.config))
    one_line_error(code, out, err, "trust.timezone", "Europe/Londn")


def test_a_config_saved_with_a_bom_is_read(school: School) -> None:
    text = school.config.read_text(encoding="utf-8")
    school.config.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, _, err = school.cli("check", "--config", str(school.config))
    assert code == 0, err


def test_a_utf16_config_names_the_encoding(school: School) -> None:
    text = school.config.read_text(encoding="utf-8")
    school.config.write_text(text, encoding="utf-16")
    code, out, err = school.cli("check", "--config", str(school.config))
    one_line_error(code, out, err, "not UTF-8", "Save As")


def test_two_academies_with_the_same_code_name_the_code(school: School) -> None:
    add_academy(school, "OAK", "elm.xlsx")
    code, out, err = school.cli("check", "--config", str(school.config))
    one_line_error(code, out, err, "academies[1].code", "'OAK'", "academies[0]")


def test_two_academies_on_one_tracker_is_a_config_error_before_any_write(
    school: School,
) -> None:
    add_academy(school, "ELM", "tracker.xlsx")
    code, out, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-02")
    one_line_error(code, out, err, "academies[1].tracker", "same tracker")
    assert not school.tracker.exists()


def test_a_careers_email_that_is_not_an_address_is_a_config_error(school: School) -> None:
    edit_config(school, '"careers@oakfield.example.org"', '"careers at oakfield"')
    code, out, err = school.cli("check", "--config", str(school.config))
    one_line_error(code, out, err, "careers_email", "name@domain")


def test_a_tracker_path_that_is_not_xlsx_is_a_config_error(school: School) -> None:
    edit_config(school, 'path = "tracker.xlsx"', 'path = "tracker.csv"')
    code, out, err = school.cli("sync", "--config", str(school.config))
    line = one_line_error(code, out, err, "tracker.path", ".xlsx")
    assert "backup" not in err and "tracker.csv" in line


def test_a_top_level_columns_table_says_where_it_belongs(school: School) -> None:
    with school.config.open("a", encoding="utf-8") as fh:
        fh.write('\n[columns]\nemail = "Email (personal)"\n')
    code, out, err = school.cli("check", "--config", str(school.config))
    one_line_error(code, out, err, "[[academies]]")


def test_a_table_given_where_a_list_belongs_is_shown_briefly(school: School) -> None:
    edit_config(school, "[[academies]]", "[academies]")
    code, out, err = school.cli("check", "--config", str(school.config))
    line = one_line_error(code, out, err, "academies should be an array of tables")
    assert "careers@" not in line and line.endswith("...")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_folder_the_account_may_not_open_is_a_config_error(school: School) -> None:
    sub = school.folder / "locked"
    sub.mkdir()
    shutil.move(school.responses, sub / "form-a-responses.csv")
    edit_config(school, 'path = "form-a-responses.csv"', 'path = "locked/form-a-responses.csv"')
    sub.chmod(0)
    try:
        code, out, err = school.cli("check", "--config", str(school.config))
    finally:
        sub.chmod(0o755)
    one_line_error(code, out, err, "may not open")


# -- responses and roster files ------------------------------------------------------------


def test_a_responses_csv_saved_by_excel_as_windows_1252_names_the_fix(school: School) -> None:
    text = school.responses.read_text(encoding="utf-8")
    school.responses.write_bytes(text.encode("utf-8") + "2026/11/01 10:00:00 AM GMT,,Ren\u00e9e\n"
                                 .encode("cp1252"))
    code, out, err = school.cli("sync", "--config", str(school.config))
    one_line_error(code, out, err, "not UTF-8", "byte 0xe9", "CSV UTF-8")
    assert not school.tracker.exists()


def test_a_responses_csv_saved_as_utf16_names_the_fix(school: School) -> None:
    text = school.responses.read_text(encoding="utf-8")
    school.responses.write_text(text.replace(",", "\t"), encoding="utf-16")
    code, out, err = school.cli("sync", "--config", str(school.config))
    one_line_error(code, out, err, "UTF-16", "CSV UTF-8")


def test_a_roster_saved_by_excel_as_windows_1252_names_the_fix(school: School) -> None:
    roster = school.folder / "roster.csv"
    # Excel writes "?" for what Windows-1252 cannot hold (the \u0141 of \u0141ukasz).
    text = roster.read_text(encoding="utf-8").replace("Fenwick", "Fenw\u00e9ck")
    roster.write_bytes(text.encode("cp1252", errors="replace"))
    code, out, err = school.cli("check", "--config", str(school.config))
    one_line_error(code, out, err, "roster", "not UTF-8", "CSV UTF-8")


def test_responses_and_roster_with_a_bom_are_read(school: School) -> None:
    for f in (school.responses, school.folder / "roster.csv"):
        f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes())
    first = school.sync()
    assert first["rows_added"] > 0 and first["responses_read"] > 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_responses_file_says_permission_not_download_again(
    school: School,
) -> None:
    school.responses.chmod(0)
    try:
        code, out, err = school.cli("sync", "--config", str(school.config))
    finally:
        school.responses.chmod(0o644)
    one_line_error(code, out, err, "permission denied")
    assert "download it again" not in err


# -- the tracker workbook -----------------------------------------------------------------


def test_a_workbook_open_in_excel_is_refused_before_anything_is_written(school: School) -> None:
    school.sync()
    before = school.tracker.read_bytes()
    sent = sorted((school.folder / "outbox").rglob("*.eml"))
    lock = school.folder / "~$tracker.xlsx"
    lock.write_bytes(b"owner")
    school.add_response("2026/11/05 10:00:00 AM GMT", name="x", destination="College")
    code, out, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-09")
    one_line_error(code, out, err, "open in a spreadsheet program", "close it")
    assert school.tracker.read_bytes() == before
    assert sorted((school.folder / "outbox").rglob("*.eml")) == sent  # nothing sent either
    # A dry run only reads, so an open workbook does not stop it.
    code, _, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-09",
                              "--dry-run")
    assert code == 0, err
    lock.unlink()
    code, _, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-09")
    assert code == 0, err


def test_a_corrupt_workbook_is_one_line_and_left_alone(school: School) -> None:
    school.tracker.write_bytes(os.urandom(4000))
    before = school.tracker.read_bytes()
    for command in ("sync", "check", "setup"):
        code, out, err = school.cli(command, "--config", str(school.config))
        one_line_error(code, out, err, "not a readable .xlsx")
    assert school.tracker.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_workbook_does_not_advise_moving_it_aside(school: School) -> None:
    school.sync()
    school.tracker.chmod(0)
    try:
        code, out, err = school.cli("sync", "--config", str(school.config))
    finally:
        school.tracker.chmod(0o644)
    one_line_error(code, out, err, "permission denied")
    assert "move it aside" not in err


def test_a_folder_that_cannot_be_written_is_one_line(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulated, because the tests may run as root, who can write anywhere.
    import tempfile

    def refused(*_: object, **__: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    code, out, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-02")
    one_line_error(code, out, err, "cannot write in", "permission denied")
    assert not school.tracker.exists()


def test_a_renamed_header_fixed_in_the_academy_section_runs(school: School) -> None:
    school.sync()
    wb = openpyxl.load_workbook(school.tracker)
    ws = wb["Tracker"]
    for c in ws[1]:
        if c.value == "Personal email":
            c.value = "Email (personal)"
    wb.save(school.tracker)
    code, out, err = school.cli("sync", "--config", str(school.config))
    one_line_error(code, out, err, "'Personal email'", "columns.email")
    edit_config(school, 'tracker = { backend = "xlsx", path = "tracker.xlsx" }',
                'tracker = { backend = "xlsx", path = "tracker.xlsx" }\n'
                'columns = { email = "Email (personal)" }')
    school.sync("2026-11-03")


# -- templates ----------------------------------------------------------------------------


def copied_templates(school: School) -> Path:
    folder = school.folder / "letters"
    shutil.copytree(TEMPLATES, folder)
    edit_config(school, "[form_a]", '[mail]\ntemplates = "letters"\n\n[form_a]')
    return folder


@pytest.mark.parametrize("expression", ["{{ 1 / 0 }}", "{{ student.forename + 1 }}"])
def test_a_template_that_fails_as_it_runs_is_one_line_naming_the_line(
    school: School, expression: str
) -> None:
    folder = copied_templates(school)
    letter = folder / "followup.txt.j2"
    lines = letter.read_text(encoding="utf-8").count("\n")
    letter.write_text(letter.read_text(encoding="utf-8") + expression + "\n", encoding="utf-8")
    for command in ("check", "sync"):
        code, out, err = school.cli(command, "--config", str(school.config))
        one_line_error(code, out, err, f"followup.txt.j2 line {lines + 1}")
    assert not school.tracker.exists()


def test_a_template_that_is_not_utf8_is_one_line(school: School) -> None:
    folder = copied_templates(school)
    letter = folder / "form_b.html.j2"
    letter.write_bytes(letter.read_bytes() + "<p>Caf\u00e9</p>\n".encode("cp1252"))
    code, out, err = school.cli("sync", "--config", str(school.config))
    one_line_error(code, out, err, "form_b.html.j2", "not UTF-8")
    assert not school.tracker.exists()


def test_a_template_syntax_error_still_stops_the_run(school: School) -> None:
    folder = copied_templates(school)
    letter = folder / "followup.txt.j2"
    letter.write_text(letter.read_text(encoding="utf-8") + "{% if student %}\n",
                      encoding="utf-8")
    code, out, err = school.cli("sync", "--config", str(school.config))
    one_line_error(code, out, err, "followup.txt.j2")
    assert not school.tracker.exists()


# -- preview and demo ---------------------------------------------------------------------


def test_preview_into_a_missing_folder_is_one_line(school: School) -> None:
    code, out, err = school.cli(
        "preview", "--config", str(school.config), "--campaign", "form_b",
        "--html", str(school.folder / "no" / "such" / "p.html"),
    )
    one_line_error(code, out, err, "cannot write", "--html")


def test_preview_into_a_folder_is_one_line(school: School) -> None:
    code, out, err = school.cli(
        "preview", "--config", str(school.config), "--campaign", "form_b",
        "--html", str(school.folder),
    )
    one_line_error(code, out, err, "is a folder")


def test_the_digest_previewed_for_a_student_asks_for_an_academy_code(school: School) -> None:
    school.sync()
    ref = f"OAK-{school.roster()[0]['Admission number']}"
    code, out, err = school.cli(
        "preview", "--config", str(school.config), "--campaign", "staff_digest",
        "--ref", ref, "--html", str(school.folder / "d.html"),
    )
    one_line_error(code, out, err, "--ref OAK", "academy code")
    code, out, err = school.cli(
        "preview", "--config", str(school.config), "--campaign", "staff_digest",
        "--ref", "OAK", "--html", str(school.folder / "d.html"),
    )
    assert code == 0, err


@pytest.mark.parametrize("leavers", ["0", "-5"])
def test_demo_with_no_leavers_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          leavers: str) -> None:
    code = main(["demo", "--out", str(tmp_path / "d"), "--leavers", leavers])
    _, err = capsys.readouterr()
    one_line_error(code, "", err, "--leavers")
    assert not (tmp_path / "d").exists()


def test_demo_never_writes_into_an_existing_folder_or_over_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    school = tmp_path / "real-school"
    school.mkdir()
    (school / "tracker.xlsx").write_bytes(b"a real tracker")
    code = main(["demo", "--out", str(school), "--leavers", "3"])
    _, err = capsys.readouterr()
    one_line_error(code, "", err, "already exists")
    assert (school / "tracker.xlsx").read_bytes() == b"a real tracker"
    assert sorted(p.name for p in school.iterdir()) == ["tracker.xlsx"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    code = main(["demo", "--out", str(a_file), "--leavers", "3"])
    _, err = capsys.readouterr()
    one_line_error(code, "", err, "is a file")


# -- the terminal -------------------------------------------------------------------------


def test_a_closed_pipe_is_not_reported_as_an_unexpected_error(
    school: School, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from destsync.entrypoints import commands

    def closed_pipe(*_: object, **__: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(commands, "sync", closed_pipe)
    # The handler points stdout at devnull; give it a real descriptor to do that to.
    with open(os.devnull, "w") as sink:
        monkeypatch.setattr("sys.stdout", sink)
        code = main(["sync", "--config", str(school.config), "--dry-run"])
    err = capsys.readouterr().err
    assert code == 141 and err == ""
