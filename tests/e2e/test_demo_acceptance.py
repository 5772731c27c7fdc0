"""Issue 14's acceptance, on what `destsync demo` leaves (a year replayed, emails sent):
erase one student and search the whole workbook, the outbox and every file destsync
wrote for their name, email, phone and date of birth; nothing is found, and the next
sync does not bring them back. The same search after a withdrawal by form, by each
staff dropdown value and by the stop link, and after the retention day, finds no
contact detail."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.domain.answers import STOP_ANSWER
from destsync.domain.campaigns import parse_key
from destsync.entrypoints.cli import main
from destsync.entrypoints.demo import forms_timestamp
from tests.e2e.emulated import xlsx_records
from tests.e2e.test_every_copy import set_cell
from tests.e2e.test_privacy_audit import mail_text

pytestmark = pytest.mark.slow

INPUTS = ("roster.csv", "form-a-responses.csv", "destsync.toml")  # the school's own files
TODAY = date.today()  # the demo replays the year up to today


def written(folder: Path, tracker: Path) -> dict[str, str]:
    """Every tab of the workbook, every message in the outbox (decoded) and every other
    file destsync wrote, as text."""
    import email
    from email import policy
    from email.message import EmailMessage

    texts = {f"tab {ws.title}": "\n".join(
        " ".join("" if v is None else str(v) for v in r) for r in ws.iter_rows(values_only=True))
        for ws in openpyxl.load_workbook(tracker).worksheets}
    for p in sorted(folder.rglob("*.eml")):
        m: EmailMessage = email.message_from_bytes(  # type: ignore[assignment]
            p.read_bytes(), policy=policy.default)
        texts[f"mail {p.name}"] = mail_text(m)
    texts |= {str(p): p.read_bytes().decode("utf-8", "replace")
              for p in folder.rglob("*") if p.is_file()
              and p.name not in INPUTS and p.suffix not in (".xlsx", ".eml")}
    # A date cell reads back with a time; names and addresses are compared case-blind.
    return {k: v.replace(" 00:00:00", "") for k, v in texts.items()}


def found(folder: Path, tracker: Path, words: list[str], phones: list[str]) -> list[str]:
    """Where any of ``words`` (case-blind) or ``phones`` (by their last ten digits) is."""
    tails = [re.sub(r"\D", "", p)[-10:] for p in phones if p]
    hits = []
    for place, text in written(folder, tracker).items():
        low, digits = text.casefold(), re.sub(r"\D", "", text)
        hits += [f"{place}: {w}" for w in words if w and w.casefold() in low]
        hits += [f"{place}: {t}" for t in tails if t in digits]
    return hits


def identity(row: dict[str, str]) -> list[str]:
    dob = row["Date of birth"]
    return [f"{row['Forename']} {row['Surname']}", row["Personal email"], dob,
            f"{dob[8:10]}/{dob[5:7]}/{dob[:4]}"]


class Demo:
    def __init__(self, tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder, self.capsys = tmp / "demo", capsys
        assert main(["demo", "--out", str(self.folder), "--leavers", "10", "--seed", "5"]) == 0
        self.config = self.folder / "destsync.toml"
        self.tracker = self.folder / "tracker.xlsx"

    def cli(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def sync(self, day: date) -> dict[str, int]:
        code, out, err = self.cli("sync", "--config", str(self.config), "--now",
                                  day.isoformat(), "--json")
        assert code == 0, err
        return json.loads(out)  # type: ignore[no-any-return]

    def rows(self) -> dict[str, dict[str, str]]:
        return xlsx_records(self.tracker)

    def mailed_with_phones(self) -> list[str]:
        """Students the demo emailed (not their parents) who have an email and a phone."""
        rows = self.rows()
        keys = []
        for p in self.folder.glob("outbox/*.eml"):
            with p.open("rb") as fh:
                key = next(line for line in fh if line.startswith(b"X-Destsync-Key:"))
            keys.append(key.split(b":", 1)[1].decode().strip())
        refs = {parse_key(k)[2] for k in keys if not k.startswith(("form_b/", "staff_digest/"))}
        return sorted(r for r in refs if r in rows and rows[r]["Phone"]
                      and rows[r]["Personal email"] and rows[r]["Consent"] == "Yes")

    def answer(self, ref: str, consent: str) -> None:
        """A Form A response with the Ref (as the stop link prefills it) and a consent."""
        row = self.rows()[ref]
        answers = {"reference": ref, "name": f"{row['Forename']} {row['Surname']}",
                   "consent": consent}
        when = datetime(TODAY.year, TODAY.month, TODAY.day, 7)
        with (self.folder / "form-a-responses.csv").open("a", encoding="utf-8",
                                                          newline="") as fh:
            csv.writer(fh).writerow([forms_timestamp(when),
                                     *[answers.get(k, "") for k in DEFAULT_QUESTIONS]])

    def found(self, words: list[str], phones: list[str]) -> list[str]:
        return found(self.folder, self.tracker, words, phones)


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Demo:
    return Demo(tmp_path, capsys)


def test_erase_one_demo_student_and_nothing_is_found_then_or_after_the_next_sync(
        demo: Demo) -> None:
    ref = demo.mailed_with_phones()[0]
    row = demo.rows()[ref]
    secrets, phone = identity(row), [row["Phone"]]
    assert demo.found(secrets, phone)
    code, _, err = demo.cli("erase", "--config", str(demo.config), "--ref", ref)
    assert code == 0, err
    assert demo.found(secrets, phone) == []
    demo.sync(TODAY + timedelta(days=1))
    assert demo.found(secrets, phone) == [] and ref not in demo.rows()


def test_every_way_to_withdraw_and_the_retention_day_leave_no_contact_detail(
        demo: Demo) -> None:
    by_no, by_withdrawn, by_status, by_stop, by_form = demo.mailed_with_phones()[:5]
    rows = demo.rows()
    for ref in (by_no, by_withdrawn, by_status, by_stop, by_form):
        assert demo.found([rows[ref]["Personal email"]], [rows[ref]["Phone"]]), ref
    set_cell(demo.tracker, by_no, "Consent", "No")
    set_cell(demo.tracker, by_withdrawn, "Consent", "Withdrawn")
    set_cell(demo.tracker, by_status, "Contact status", "Consent withdrawn")
    demo.answer(by_stop, STOP_ANSWER)
    demo.answer(by_form, "No")
    demo.sync(TODAY + timedelta(days=1))
    after = demo.rows()
    channels = {by_no: "refused via staff", by_withdrawn: "withdrawn via staff",
                by_status: "withdrawn via staff", by_stop: "withdrawn via stop link",
                by_form: "refused via Form A"}
    for ref, channel in channels.items():
        assert demo.found([rows[ref]["Personal email"]], [rows[ref]["Phone"]]) == [], ref
        assert after[ref]["Consent evidence"].startswith(channel), after[ref]
    assert demo.sync(TODAY + timedelta(days=2))["cells_updated"] == 0
    assert demo.rows() == after

    # The retention day of the youngest cohort: every contact detail of every leaver goes.
    # (The demo holds current Year 12 students too: the youngest cohort leaves latest.)
    youngest = max(int(row["Leaving year"]) for row in demo.rows().values())
    contacts = [v for row in demo.rows().values()
                for v in (row["Personal email"], row["Parent/carer email"]) if v]
    phones = [row["Phone"] for row in demo.rows().values() if row["Phone"]]
    assert contacts and phones and demo.found(contacts, phones)
    demo.sync(date(youngest + 4, 3, 31) + timedelta(days=181))
    assert demo.found(contacts, phones) == []
