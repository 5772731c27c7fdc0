"""Regression tests for correctness bugs a code review found and proved, one per bug:
a "No" then a "Yes" between runs, a reply with an unreadable destination, submission
dates in UTC, a renamed Contact status header, greylisting counted as a bounce, and a
Google Sheets write following a row anchor after staff swapped two Refs.

Invented data only (example.org).
"""

from __future__ import annotations

import socket
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from destsync.adapters.local.xlsx_tracker import XlsxTracker
from destsync.domain.model import RawResponse, RosterEntry, TrackerSnapshot
from destsync.domain.reconcile import plan_sync
from destsync.service.ports import AcademyPorts
from destsync.service.sync import run_sync
from tests.builders import CTX, response, student
from tests.fakes import ListRoster, ListSource, MemoryTracker
from tests.mailkit import MemoryMailer, school_config

LONDON = ZoneInfo("Europe/London")


def _run(cfg: Any, tracker: Any, roster: list[RosterEntry], mailer: MemoryMailer,
         responses: list[RawResponse], now: datetime) -> None:
    ports = [AcademyPorts(cfg.academies[0], ListSource(responses), tracker, ListRoster(roster),
                          Counter(), mailer)]
    run_sync(cfg, ports, now)


# -- 1. privacy: a "No" between two runs is forgotten by a later "Yes" -------------------
def test_no_then_yes_since_the_last_run_still_erases_the_old_contact_details() -> None:
    s = student(1, leaving_year=2026)
    tracker = MemoryTracker(TrackerSnapshot())
    r1 = response("R1", datetime(2026, 6, 1, 9, tzinfo=UTC), s, consent="Yes")
    tracker.apply(plan_sync(tracker.read(), [s], [r1], CTX, datetime(2026, 6, 2, 9, tzinfo=UTC)))
    assert tracker.snap.rows[s.ref]["email"]  # stored with consent
    # Before the next run the student answers "No", then "Yes" without any details.
    r2 = response("R2", datetime(2026, 6, 3, 9, tzinfo=UTC), s, consent="No", email="",
                  phone="")
    r3 = response("R3", datetime(2026, 6, 4, 9, tzinfo=UTC), s, consent="Yes", email="",
                  phone="")
    tracker.apply(plan_sync(tracker.read(), [s], [r1, r2, r3], CTX,
                            datetime(2026, 6, 5, 9, tzinfo=UTC)))
    row = tracker.snap.rows[s.ref]
    # README: a "No" erases stored email and phone at once; a later "Yes" stores only the
    # details given with it (none here). A run between R2 and R3 does erase them.
    assert (row["email"], row["phone"]) == ("", "")


# -- 2. a response whose only answer is unreadable does not count as a response ----------
def test_a_reply_with_an_unreadable_destination_stops_reminders_and_is_not_820() -> None:
    cfg = school_config(Path(tempfile.mkdtemp(prefix="destsync-review-")))
    s = student(1, leaving_year=2026)
    tracker, mailer = MemoryTracker(TrackerSnapshot()), MemoryMailer()
    responses = [response("R0", datetime(2026, 6, 1, 9, tzinfo=UTC), s)]
    _run(cfg, tracker, [s], mailer, responses, datetime(2026, 6, 2, 9, tzinfo=UTC))
    _run(cfg, tracker, [s], mailer, responses, datetime(2027, 5, 1, 9, tzinfo=UTC))
    assert "annual_survey/2027/OAK-1001/1" in [m.key for m in mailer.delivered]
    # The student replies to the survey; the destination is not one of the options.
    responses.append(response("R1", datetime(2027, 5, 3, 9, tzinfo=UTC), s,
                              destination="xyzzy plugh", course="", level="", provider="",
                              start_date="", duration=""))
    for m, d in ((5, 4), (5, 15), (6, 5), (6, 27), (7, 1)):
        _run(cfg, tracker, [s], mailer, responses, datetime(2027, m, d, 9, tzinfo=UTC))
    survey = [m.key for m in mailer.delivered if m.key.startswith("annual_survey/")]
    assert survey == ["annual_survey/2027/OAK-1001/1"]
    assert tracker.snap.rows[s.ref]["year1_nccis"] != "820"


# -- 3. time zones: a submission is dated by its UTC date ------------------------------
def test_a_submission_after_midnight_bst_on_1_april_is_a_year_1_answer() -> None:
    s = student(1, leaving_year=2026)
    tracker = MemoryTracker(TrackerSnapshot())
    # The Forms API gives lastSubmittedTime in UTC: 23:30Z on 31 March is 00:30 on 1 April
    # in Europe/London (BST).
    submitted = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
    assert submitted.astimezone(LONDON).date().isoformat() == "2027-04-01"
    r1 = response("R1", submitted, s)
    plan = plan_sync(tracker.read(), [s], [r1], CTX, datetime(2027, 4, 1, 6, tzinfo=LONDON))
    tracker.apply(plan)
    row = tracker.snap.rows[s.ref]
    assert row["year1_destination"] == "University"
    assert row["actual_destination"] == ""
    assert row["consent_date"] == "2027-04-01"


# -- 4. a renamed staff column silently turns off "Do not contact" ----------------------
def _workbook_with_dnc_student(folder: Path, headers: dict[str, str], rename: bool) -> Path:
    path = folder / f"tracker-{int(rename)}.xlsx"
    XlsxTracker(path, headers).setup()
    wb = openpyxl.load_workbook(path)
    ws = wb["Tracker"]
    hdr = [c.value for c in ws[1]]
    values = {"Ref": "OAK-1001", "Forename": "Testname", "Surname": "Example",
              "Leaving year": 2026, "Personal email": "t1@example.org", "Consent": "Yes",
              "Contact status": "Do not contact"}
    for h, v in values.items():
        ws.cell(2, hdr.index(h) + 1).value = v
    if rename:
        ws.cell(1, hdr.index("Contact status") + 1).value = "Contact status (staff only)"
    wb.save(path)
    return path


def _survey_keys(folder: Path, rename: bool) -> list[str]:
    cfg = school_config(folder)
    academy = cfg.academies[0]
    path = _workbook_with_dnc_student(folder, academy.headers, rename)
    mailer = MemoryMailer()
    ports = [AcademyPorts(academy, ListSource([]), XlsxTracker(path, academy.headers),
                          ListRoster([]), Counter(), mailer)]
    run_sync(cfg, ports, datetime(2027, 5, 1, 9, tzinfo=UTC))
    return [m.key for m in mailer.delivered if m.key.startswith("annual_survey/")]


def test_control_a_do_not_contact_student_gets_no_survey(tmp_path: Path) -> None:
    assert _survey_keys(tmp_path, rename=False) == []


def test_a_renamed_contact_status_header_stops_the_run_instead_of_emailing(
    tmp_path: Path,
) -> None:
    from destsync.errors import DestsyncError

    try:
        keys = _survey_keys(tmp_path, rename=True)
    except DestsyncError:
        return  # stopping with a message naming the column is a fine answer
    assert keys == []  # emailing a "Do not contact" student is not


# -- 5. SMTP: a temporary refusal is recorded as a bounce (a spent attempt) -------------
class _Greylisting:
    """An aiosmtpd handler that answers every RCPT with a temporary 450 (greylisting)."""

    def __init__(self) -> None:
        self.accepted = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        return "450 4.7.1 Greylisted, please try again later"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted += 1
        return "250 OK"


@pytest.fixture()
def greylisting_server() -> Iterator[tuple[str, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(_Greylisting(), hostname="127.0.0.1", port=port)
    controller.start()
    yield "127.0.0.1", port
    controller.stop()


def test_a_temporary_4xx_refusal_is_not_recorded_as_a_bounce(
    greylisting_server: tuple[str, int], tmp_path: Path,
) -> None:
    from destsync.adapters.local.smtp import SmtpMailer
    from destsync.domain.plan import OutgoingMessage
    from destsync.errors import MailError
    from destsync.service.sending import send_all

    host, port = greylisting_server
    mailer = SmtpMailer(host, port, "careers@oakfield.example.org", starttls=False,
                        journal=tmp_path / "journal", timeout=5)
    key = "annual_survey/2027/OAK-1001/1"
    message = OutgoingMessage(key, "OAK-1001", "annual_survey", "t1@example.org", "Hello",
                              "Hello\n", "<p>Hello</p>")
    tracker = MemoryTracker(TrackerSnapshot())
    try:
        send_all([message], [], set(), tracker, mailer, datetime(2027, 5, 1, 9, tzinfo=UTC))
    except MailError:
        pass  # a temporary failure: the message stays pending, to be tried again
    finally:
        mailer.close()
    entry = tracker.snap.ledger.get(key)
    assert entry is None or entry.state != "bounced"


# -- 6. Google Sheets: a write follows the row anchor, never checking the row's Ref -------
@pytest.mark.slow
def test_a_write_lands_on_the_row_whose_ref_it_is_after_staff_swap_two_refs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.e2e.emulated import SHEET_ID, RemoteSchool
    from tests.emulator import Emulator

    provider = "Actual provider / employer"
    with Emulator() as emu:
        monkeypatch.setenv("WORKSPACE_EMULATOR_HOST", emu.host)
        remote = RemoteSchool(tmp_path, emu, capsys)
        remote.setup()
        remote.submit_csv_responses()
        remote.sync()
        rows = remote.tracker()
        a, b = sorted(ref for ref, r in rows.items()
                      if r["Leaving year"] == "2026" and not r[provider])[:2]
        # Staff find the two Refs were typed onto each other's rows and swap them back.
        values = remote.sheets.values(SHEET_ID, "Tracker")
        ra = next(i for i, v in enumerate(values) if v and v[0] == a)
        rb = next(i for i, v in enumerate(values) if v and v[0] == b)
        remote.sheets.edit_cell(SHEET_ID, "Tracker", f"A{ra + 1}", b)
        remote.sheets.edit_cell(SHEET_ID, "Tracker", f"A{rb + 1}", a)
        remote.submit({"reference": a, "name": "x", "destination": "College",
                       "provider": "Riverside College", "consent": "Yes"},
                      "2026-11-05T10:00:00Z")
        remote.sync("2026-11-06")
        after = remote.tracker()
        assert (after[a][provider], after[b][provider]) == ("Riverside College", "")


def test_a_renamed_validated_header_stops_the_run_with_the_fix(tmp_path: Path) -> None:
    """Read as blank, the validated return would freeze everyone as not validated."""
    from destsync.errors import MissingColumn

    cfg = school_config(tmp_path)
    academy = cfg.academies[0]
    path = _workbook_with_dnc_student(tmp_path, academy.headers, rename=False)
    wb = openpyxl.load_workbook(path)
    ws = wb["Tracker"]
    hdr = [c.value for c in ws[1]]
    ws.cell(1, hdr.index("Validated") + 1).value = "Validated?"
    wb.save(path)
    with pytest.raises(MissingColumn) as err:
        XlsxTracker(path, academy.headers).read()
    assert "'Validated'" in err.value.message and "columns.validated" in (err.value.hint or "")
