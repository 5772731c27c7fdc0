"""The same error paths as tests/unit/test_error_paths.py, through the real CLI: one
`error:` line, one `hint:` line, the right exit code, no traceback, and nothing written that
the message does not own up to. No network: Google is never reached."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import openpyxl
import pytest

from destsync.adapters.google import credentials as cr
from destsync.entrypoints.cli import main
from tests.e2e.conftest import School, expect_one_line_error

GOOGLE_CONFIG = """\
[trust]
name = "Example Learning Trust"

[[academies]]
code = "OAK"
name = "Oakfield Academy (example)"
careers_email = "careers@oakfield.example.org"
responses = { backend = "google_forms", form_id = "form-a-oak" }
tracker = { backend = "google_sheets", spreadsheet_id = "tracker-oak" }
"""


def one_line_error(code: int, err: str, *needles: str, exit_code: int = 2) -> tuple[str, str]:
    return expect_one_line_error(code, err, *needles, exit_code=exit_code)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def google_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(cr.EMULATOR_ENV, raising=False)
    monkeypatch.delenv(cr.ADC_FILE_ENV, raising=False)
    config = tmp_path / "google.toml"
    config.write_text(GOOGLE_CONFIG, encoding="utf-8")
    return config


@pytest.mark.parametrize("command", ["check", "sync"])
def test_an_emulator_port_out_of_range_is_one_line(
    google_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    monkeypatch.setenv(cr.EMULATOR_ENV, "localhost:99999")
    code, _, err = run_cli(capsys, command, "--config", str(google_config))
    one_line_error(code, err, "WORKSPACE_EMULATOR_HOST", "99999", "65535")


def test_an_emulator_with_nothing_listening_fails_fast_naming_the_variable(
    google_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(cr.EMULATOR_ENV, f"127.0.0.1:{port}")
    started = time.monotonic()
    code, out, err = run_cli(capsys, "sync", "--config", str(google_config),
                             "--now", "2026-11-02")
    assert time.monotonic() - started < 15  # was ~85 s of retries
    one_line_error(code, err, "WORKSPACE_EMULATOR_HOST",
                   f"nothing is listening at 127.0.0.1:{port}")
    assert "Google is busy" not in err and out == ""


def test_adc_variable_naming_a_missing_file_is_one_line(
    google_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nonexistent.json"
    monkeypatch.setenv(cr.ADC_FILE_ENV, str(missing))
    code, _, err = run_cli(capsys, "check", "--config", str(google_config))
    _, hint = one_line_error(code, err, "GOOGLE_APPLICATION_CREDENTIALS", str(missing))
    assert "unset" in hint and "no Google credentials found" not in err


# -- several academies ------------------------------------------------------------------


def add_academy(school: School, code: str, tracker: str) -> None:
    with school.config.open("a", encoding="utf-8") as fh:
        fh.write(
            f'\n[[academies]]\ncode = "{code}"\nname = "{code} Academy (example)"\n'
            f'careers_email = "careers@{code.lower()}.example.org"\n'
            'responses = { backend = "csv", path = "form-a-responses.csv" }\n'
            f'tracker = {{ backend = "xlsx", path = "{tracker}" }}\n'
        )


def test_a_second_academy_that_cannot_be_written_says_the_first_was(school: School) -> None:
    add_academy(school, "ELM", "elm.xlsx")
    lock = school.folder / "~$elm.xlsx"  # Excel's owner file: ELM's workbook is open
    lock.write_text("", encoding="utf-8")
    code, _, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-02")
    _, hint = one_line_error(code, err, "elm.xlsx", "OAK was written; ELM was not")
    assert "nothing was written" not in err
    assert "next run carries on with ELM" in hint
    assert school.tracker.exists() and not (school.folder / "elm.xlsx").exists()
    lock.unlink()
    school.sync("2026-11-02")
    assert (school.folder / "elm.xlsx").exists()


def test_a_renamed_header_hint_names_the_academy_section(school: School) -> None:
    add_academy(school, "ELM", "elm.xlsx")
    school.sync("2026-11-02")
    elm = school.folder / "elm.xlsx"
    wb = openpyxl.load_workbook(elm)
    for cell in wb["Tracker"][1]:
        if cell.value == "Personal email":
            cell.value = "Email (personal)"
    wb.save(elm)
    before = elm.read_bytes()
    code, _, err = school.cli("sync", "--config", str(school.config), "--now", "2026-11-03")
    _, hint = one_line_error(code, err, "'Personal email'")
    assert 'code = "ELM"' in hint and 'columns = { email = "New header" }' in hint
    assert "columns.email" in hint
    assert elm.read_bytes() == before
