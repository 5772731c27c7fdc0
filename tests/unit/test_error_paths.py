"""Foreseeable problems that used to surface as the wrong message, an unexpected error or a
long wait: each is now one named error whose message is true and whose hint names the fix.
All data is invented; addresses are at example.org."""

from __future__ import annotations

import json
import socket
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from destsync.adapters.google import credentials as cr
from destsync.adapters.google import retry
from destsync.adapters.google.emulator import EMULATOR_REFUSED_SECONDS, EmulatorUnreachable
from destsync.adapters.google.retry import Outcome, RetryBudgetExceeded, RetryPolicy
from destsync.adapters.local.roster_csv import CsvRoster
from destsync.config.settings import Config, parse_config
from destsync.domain.layout import index_headers
from destsync.domain.model import COLUMNS
from destsync.domain.plan import Plan
from destsync.errors import (
    ConfigError,
    CredentialError,
    MissingColumn,
    PartlyWritten,
    TemplateError,
    TrackerError,
)
from destsync.service.ports import AcademyPorts
from destsync.service.render import Renderer
from destsync.service.sync import partly_written, run_sync
from tests.builders import response, student
from tests.fakes import ListRoster, ListSource, MemoryTracker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, s: float) -> None:
        self.now += s


def fake_policy(clock: Clock, **kw: Any) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=lambda: clock.now, rand=lambda: 1.0, **kw)


def closed_port() -> int:
    """A local port with nothing listening on it: bound, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- 1. WORKSPACE_EMULATOR_HOST with an impossible port --------------------------------


@pytest.mark.parametrize("value", ["localhost:99999", "localhost:65536", "localhost:0",
                                   "[::1]:70000", "http://localhost:99999/"])
def test_an_emulator_port_out_of_range_is_a_config_error_naming_the_variable(
    value: str,
) -> None:
    with pytest.raises(ConfigError) as err:
        cr.emulator_endpoint({cr.EMULATOR_ENV: value})
    assert "WORKSPACE_EMULATOR_HOST" in err.value.message
    assert "1 to 65535" in err.value.message
    assert "WORKSPACE_EMULATOR_HOST" in err.value.hint
    assert err.value.exit_code == 2


@pytest.mark.parametrize("value", ["localhost:1", "localhost:8085", "127.0.0.1:65535",
                                   "[::1]:8085"])
def test_an_emulator_port_in_range_is_accepted(value: str) -> None:
    assert cr.emulator_endpoint({cr.EMULATOR_ENV: value}) == f"http://{value}"


# -- 2. the emulator variable set, nothing listening -------------------------------------


def refusing() -> Any:
    def attempt() -> int:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as exc:
            # How requests wraps it: ConnectionError(MaxRetryError(...)) caused by it.
            raise requests.ConnectionError("Max retries exceeded") from exc

    return attempt


def test_a_refused_connection_to_the_emulator_fails_within_a_short_bound() -> None:
    clock = Clock()
    with pytest.raises(EmulatorUnreachable) as err:
        retry.run(fake_policy(clock, total_seconds=120), "sheets.get", refusing(), Outcome,
                  transient=(requests.ConnectionError,), emulator="http://localhost:8085")
    assert clock.now <= EMULATOR_REFUSED_SECONDS
    assert "WORKSPACE_EMULATOR_HOST" in err.value.message
    assert "nothing is listening at localhost:8085" in err.value.message
    assert "WORKSPACE_EMULATOR_HOST" in err.value.hint
    assert err.value.exit_code == 2


def test_a_refused_write_to_the_emulator_is_not_called_ambiguous() -> None:
    with pytest.raises(EmulatorUnreachable):
        retry.run(fake_policy(Clock()), "sheets.batchUpdate", refusing(), Outcome,
                  transient=(requests.ConnectionError,), idempotent=False,
                  emulator="http://localhost:8085")


def test_an_emulator_that_starts_within_the_bound_is_used() -> None:
    clock = Clock()
    answers = [refusing(), refusing(), lambda: 200]

    def attempt() -> int:
        return answers.pop(0)()  # type: ignore[no-any-return]

    got = retry.run(fake_policy(clock, first_delay=0.5), "sheets.get", attempt, Outcome,
                    transient=(requests.ConnectionError,), emulator="http://localhost:8085")
    assert got == 200


def test_without_the_emulator_a_refused_connection_keeps_the_google_budget() -> None:
    clock = Clock()
    with pytest.raises(RetryBudgetExceeded):
        retry.run(fake_policy(clock, total_seconds=60), "sheets.get", refusing(), Outcome,
                  transient=(requests.ConnectionError,))
    assert clock.now > EMULATOR_REFUSED_SECONDS


def test_gspread_session_to_an_emulator_port_with_nothing_listening() -> None:
    from google.auth.credentials import AnonymousCredentials

    port = closed_port()
    env = {cr.EMULATOR_ENV: f"127.0.0.1:{port}"}
    client = cr.gspread_client(AnonymousCredentials(), RetryPolicy(total_seconds=120),  # type: ignore[no-untyped-call]
                               Counter(), env)
    started = datetime.now(UTC)
    with pytest.raises(EmulatorUnreachable) as err:
        client.http_client.request(
            "get", "https://sheets.googleapis.com/v4/spreadsheets/tracker-oak")
    assert (datetime.now(UTC) - started).total_seconds() < EMULATOR_REFUSED_SECONDS + 5
    assert f"nothing is listening at 127.0.0.1:{port}" in err.value.message


def test_forms_client_to_an_emulator_port_with_nothing_listening() -> None:
    from google.auth.credentials import AnonymousCredentials

    port = closed_port()
    env = {cr.EMULATOR_ENV: f"127.0.0.1:{port}"}
    service = cr.discovery_service("forms", "v1", AnonymousCredentials(),  # type: ignore[no-untyped-call]
                                   RetryPolicy(total_seconds=120), Counter(), env)
    with pytest.raises(EmulatorUnreachable) as err:
        service.forms().get(formId="form-a-oak").execute(num_retries=0)
    assert f"nothing is listening at 127.0.0.1:{port}" in err.value.message


@responses.activate
def test_an_emulator_that_answers_503_still_gets_the_normal_budget() -> None:
    from google.auth.credentials import AnonymousCredentials

    responses.add(responses.GET, "http://localhost:8085/v4/spreadsheets/tracker-oak",
                  status=503, json={"error": {"message": "busy"}})
    clock = Clock()
    client = cr.gspread_client(AnonymousCredentials(), fake_policy(clock, total_seconds=20),  # type: ignore[no-untyped-call]
                               Counter(), {cr.EMULATOR_ENV: "localhost:8085"})
    with pytest.raises(RetryBudgetExceeded):
        client.http_client.request(
            "get", "https://sheets.googleapis.com/v4/spreadsheets/tracker-oak")
    assert len(responses.calls) > 1


# -- 3. GOOGLE_APPLICATION_CREDENTIALS naming a missing file -----------------------------


def test_adc_variable_naming_a_missing_file_names_the_variable_and_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    missing = tmp_path / "nonexistent.json"
    monkeypatch.delenv(cr.EMULATOR_ENV, raising=False)
    monkeypatch.setenv(cr.ADC_FILE_ENV, str(missing))
    with pytest.raises(CredentialError) as err:
        cr.credentials_for(cr.SHEETS_SCOPES)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in err.value.message
    assert str(missing) in err.value.message and "does not exist" in err.value.message
    assert "GOOGLE_APPLICATION_CREDENTIALS" in err.value.hint and "unset" in err.value.hint
    assert err.value.exit_code == 2


def test_adc_variable_naming_a_folder_or_a_bad_file_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.delenv(cr.EMULATOR_ENV, raising=False)
    monkeypatch.setenv(cr.ADC_FILE_ENV, str(tmp_path))
    with pytest.raises(CredentialError, match=r"GOOGLE_APPLICATION_CREDENTIALS.*folder"):
        cr.credentials_for(cr.SHEETS_SCOPES)
    bad = tmp_path / "key.json"
    bad.write_text('{"type": "nonsense"}', encoding="utf-8")
    monkeypatch.setenv(cr.ADC_FILE_ENV, str(bad))
    with pytest.raises(CredentialError) as err:
        cr.credentials_for(cr.SHEETS_SCOPES)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in err.value.message and str(bad) in err.value.message


# -- 4. a later academy fails after an earlier one was written ---------------------------


def three_academies(folder: Path) -> Config:
    (folder / "responses.csv").write_text("", encoding="utf-8")
    academy = [{
        "code": code, "name": f"{code} Academy (example)",
        "careers_email": f"careers@{code.lower()}.example.org",
        "responses": {"backend": "csv", "path": "responses.csv"},
        "tracker": {"backend": "xlsx", "path": f"{code.lower()}.xlsx"},
    } for code in ("OAK", "ELM", "ASH")]
    return parse_config({"trust": {"name": "Example Learning Trust"}, "academies": academy},
                        folder / "destsync.toml")


class LockedTracker(MemoryTracker):
    def apply(self, plan: Plan, run_id: str = "run") -> None:
        raise TrackerError(
            "tracker elm.xlsx is open in a spreadsheet program (~$elm.xlsx exists)",
            "close it and run again; nothing was written (if it is not open, delete it)",
        )


def ports(cfg: Config, trackers: list[MemoryTracker]) -> list[AcademyPorts]:
    s = student(1)
    return [
        AcademyPorts(a, ListSource([response(f"r-{a.code}", datetime(2026, 10, 20, tzinfo=UTC),
                                             s)]),
                     t, ListRoster([s]))
        for a, t in zip(cfg.academies, trackers, strict=True)
    ]


def test_a_failed_write_after_another_academy_was_written_says_so(tmp_path: Path) -> None:
    cfg = three_academies(tmp_path)
    oak, elm, ash = MemoryTracker(), LockedTracker(), MemoryTracker()
    with pytest.raises(PartlyWritten) as err:
        run_sync(cfg, ports(cfg, [oak, elm, ash]), datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert oak.applied and not ash.applied
    e = err.value
    assert "nothing was written" not in e.message + e.hint
    assert e.message.startswith("tracker elm.xlsx is open in a spreadsheet program")
    assert "OAK was written; ELM and ASH were not" in e.message
    assert "close it and run again" in e.hint and "next run carries on with ELM and ASH" in e.hint
    assert e.exit_code == 2 and "\n" not in e.message + e.hint


def test_a_failed_first_write_keeps_the_adapters_words(tmp_path: Path) -> None:
    cfg = three_academies(tmp_path)
    with pytest.raises(TrackerError) as err:
        run_sync(cfg, ports(cfg, [LockedTracker(), MemoryTracker(), MemoryTracker()]),
                 datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert not isinstance(err.value, PartlyWritten)
    assert "nothing was written" in err.value.hint


def test_partly_written_keeps_the_exit_code_of_the_error() -> None:
    exc = retry.RetryBudgetExceeded("sheets.batchUpdate still failing", "run again later")
    e = partly_written(exc, ["OAK", "ELM"], ["ASH"])
    assert e.exit_code == 1
    assert e.message == "sheets.batchUpdate still failing; OAK and ELM were written; ASH was not"
    assert e.hint == "run again later; the next run carries on with ASH"


# -- 5. a renamed header names the academy's own section --------------------------------


HEADERS = {c.key: c.header for c in COLUMNS}


def header_cells(renamed: str) -> list[str]:
    return ["Email (personal)" if h == renamed else h for h in HEADERS.values()]


def test_a_renamed_header_hint_names_the_academys_columns_table() -> None:
    with pytest.raises(MissingColumn) as err:
        index_headers(header_cells(HEADERS["email"]), HEADERS, "elm.xlsx", "Tracker")
    hint = err.value.hint
    assert "columns.email" in hint and "[[academies]]" in hint and "elm.xlsx" in hint
    assert 'columns = { email = "New header" }' in hint
    assert "in the config" not in hint
    named = err.value.for_academy("ELM")
    assert 'code = "ELM"' in named.hint and named.message == err.value.message


def test_a_renamed_header_in_a_sync_names_the_academy_code(tmp_path: Path) -> None:
    cfg = three_academies(tmp_path)

    class Renamed(MemoryTracker):
        def read(self) -> Any:
            index_headers(header_cells(HEADERS["email"]), HEADERS, "elm.xlsx", "Tracker")

    with pytest.raises(MissingColumn) as err:
        run_sync(cfg, ports(cfg, [Renamed(), MemoryTracker(), MemoryTracker()]),
                 datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert 'code = "OAK"' in err.value.hint
    assert 'columns = { email = "New header" }' in err.value.hint


def test_a_renamed_header_after_an_academy_was_written_says_so(tmp_path: Path) -> None:
    """Academies are streamed (read, plan, write, one at a time), so the first is written
    before the second's header is read: the line says so, and keeps the config's fix."""
    cfg = three_academies(tmp_path)

    class Renamed(MemoryTracker):
        def read(self) -> Any:
            index_headers(header_cells(HEADERS["email"]), HEADERS, "elm.xlsx", "Tracker")

    oak, ash = MemoryTracker(), MemoryTracker()
    with pytest.raises(PartlyWritten) as err:
        run_sync(cfg, ports(cfg, [oak, Renamed(), ash]), datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert oak.applied and not ash.applied
    assert "OAK was written; ELM and ASH were not" in err.value.message
    assert 'code = "ELM"' in err.value.hint
    assert 'columns = { email = "New header" }' in err.value.hint
    assert err.value.exit_code == 2


# -- 6. a template that fails as it runs ------------------------------------------------


def letters(tmp_path: Path, text: str) -> Renderer:
    (tmp_path / "note.txt.j2").write_text(f"Dear {{{{ student.forename }}}},\n{text}\n",
                                          encoding="utf-8")
    (tmp_path / "note.html.j2").write_text("<p>Hello</p>\n", encoding="utf-8")
    return Renderer(tmp_path)


def test_a_runtime_error_in_a_template_names_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as err:
        letters(tmp_path, "{{ 1/0 }}").render("note", "Hello", {"student": {"forename": "A"}})
    assert "note.txt.j2 line 2" in err.value.message
    assert "ZeroDivisionError" in err.value.message
    assert err.value.hint


def test_a_runtime_error_in_a_subject_is_named(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="a campaign subject line 1"):
        letters(tmp_path, "").render("note", "{{ 1/0 }}", {"student": {"forename": "A"}})


def test_a_runtime_error_quotes_no_student_data(tmp_path: Path) -> None:
    r = letters(tmp_path, "{{ number(student.forename) }}")
    with pytest.raises(TemplateError) as err:
        r.render("note", "Hello", {"student": {"forename": "Quillfeather"}, "number": int})
    assert "note.txt.j2 line 2" in err.value.message
    assert "Quillfeather" not in err.value.message + err.value.hint


def test_an_error_raised_by_a_value_is_named_by_the_template_line(tmp_path: Path) -> None:
    class Boom:
        def __str__(self) -> str:
            raise RuntimeError("not printable")

    with pytest.raises(TemplateError, match=r"note\.txt\.j2 line 2"):
        letters(tmp_path, "{{ boom }}").render("note", "Hello",
                                             {"student": {"forename": "A"}, "boom": Boom()})


def test_an_error_with_no_template_frame_passes_through(tmp_path: Path) -> None:
    # Not UTF-8: the loader fails before any template line runs; commands.py names it.
    r = letters(tmp_path, "")
    (tmp_path / "note.txt.j2").write_bytes("Caf\u00e9\n".encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        r.render("note", "Hello", {"student": {"forename": "A"}})


# -- 7. roster text is cleaned like form answers ----------------------------------------


def test_roster_text_is_cleaned_like_answers(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë")
    path = tmp_path / "roster.csv"
    path.write_text(
        "Adm No,Forename,Surname,DOB,Leaving year,Parent email,S72 opt out,Year group\n"
        f"\x021001 ,Hamza\x01Quill\u202efeather,  O'Rourke \x7f ,01/02/2008,2026,"
        f" parent@example.org\x00 ,Yes\x03,13\n"
        f"1002,{decomposed},Example,,2026,,,\n",
        encoding="utf-8",
    )
    columns = {"ref": "Adm No", "forename": "Forename", "surname": "Surname", "dob": "DOB",
               "leaving_year": "Leaving year", "parent_email": "Parent email",
               "s72_opt_out": "S72 opt out", "year_group": "Year group"}
    first, second = CsvRoster(path, columns, "OAK").read()
    assert first.ref == "OAK-1001"
    assert first.forename == "HamzaQuillfeather"
    assert first.surname == "O'Rourke"
    assert first.parent_email == "parent@example.org"
    assert first.s72_opt_out is True and first.year_group == 13
    assert first.dob == "2008-02-01" and first.leaving_year == 2026
    assert second.forename == "Zoë" and second.forename == unicodedata.normalize("NFC", "Zoë")
    for entry in (first, second):
        for value in (entry.ref, entry.forename, entry.surname, entry.parent_email):
            assert all(unicodedata.category(ch) != "Cc" for ch in value)


# -- Gmail: which 400s are a bounce ------------------------------------------------------


def _gmail_failing_with(status: int, body: dict[str, object]) -> object:
    import httplib2
    from googleapiclient.errors import HttpError

    from destsync.adapters.google.gmail import GmailMailer

    class Request:
        def execute(self, num_retries: int = 0) -> dict[str, object]:
            raise HttpError(httplib2.Response({"status": status}),
                            json.dumps(body).encode("utf-8"))

    class Drafts:
        def create(self, **_: object) -> Request:
            return Request()

    class Users:
        def drafts(self) -> Drafts:
            return Drafts()

    class Service:
        def users(self) -> Users:
            return Users()

    return GmailMailer(Service(), "careers@oakfield.example.org")


def _outgoing() -> object:
    from destsync.domain.plan import OutgoingMessage

    return OutgoingMessage("annual_survey/2027/OAK-1001/1", "OAK-1001", "annual_survey",
                           "student@example.org", "Where are you now?", "text", "<p>html</p>")


def test_gmail_refusing_the_to_header_is_a_bounce() -> None:
    from destsync.errors import RecipientRejected

    mailer = _gmail_failing_with(400, {"error": {
        "code": 400, "message": "Invalid To header", "status": "INVALID_ARGUMENT"}})
    with pytest.raises(RecipientRejected):
        mailer.send(_outgoing())  # type: ignore[attr-defined]


@pytest.mark.parametrize("error", [
    {"code": 400, "message": "Precondition check failed.", "status": "FAILED_PRECONDITION"},
    {"code": 400, "message": "Mail service not enabled", "status": "FAILED_PRECONDITION"},
    {"code": 400, "message": "Bad Request"},
])
def test_a_gmail_400_that_is_not_about_the_recipient_keeps_the_message_pending(
        error: dict[str, object]) -> None:
    from destsync.errors import MailError, RecipientRejected

    mailer = _gmail_failing_with(400, {"error": error})
    with pytest.raises(MailError) as caught:
        mailer.send(_outgoing())  # type: ignore[attr-defined]
    assert not isinstance(caught.value, RecipientRejected)
