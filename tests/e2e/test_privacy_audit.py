"""Privacy and injection audit: the project's security rules, end to end.

Each test drives the real CLI (``destsync.entrypoints.cli.main``) on a copy of the bundled sample
config with a hand-written Form A export, then inspects every output: stdout and stderr,
every tab of the workbook (hidden ``_destsync_*`` tabs included), and the outbox.

Tests marked ``xfail(strict=True)`` demonstrate a violation found by the audit: they fail
today, and the strict marker turns them into an error the day the code is fixed, so the
marker must then be removed. The others pin properties that hold.

All data is invented; every address is at example.org and every phone number is in
Ofcom's drama range (07700 900xxx).
"""

from __future__ import annotations

import csv
import email
import json
import re
import shutil
import subprocess
import zipfile
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from destsync.adapters.google import credentials as cr
from destsync.adapters.google.sheets_api import SheetsApi, text_cells
from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.entrypoints.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_HEADER = next(
    csv.reader((ROOT / "config/sample/form-a-responses.csv").open(encoding="utf-8-sig"))
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Audit:
    """A copy of config/ in a temporary folder, with its own Form A export."""

    def __init__(self, tmp: Path, capsys: pytest.CaptureFixture[str], subject: str = "") -> None:
        self.tmp = tmp
        self.capsys = capsys
        shutil.copytree(ROOT / "config", tmp / "config")
        self.config = tmp / "config/example.toml"
        text = self.config.read_text(encoding="utf-8")
        text = text.replace("sample/form-a-responses.csv", "audit-responses.csv")
        if subject:
            text = text.replace('subject = "{{ school.name }}: how did results day go?"',
                                f'subject = "{subject}"')
            assert subject in text
        self.config.write_text(text, encoding="utf-8")
        self.responses = tmp / "config/audit-responses.csv"
        self.roster = tmp / "config/sample/roster.csv"
        self.tracker = tmp / "output/oakfield-tracker.xlsx"
        self.outbox = tmp / "output/outbox"
        self.rows: list[list[str]] = []
        self._write()

    def _write(self) -> None:
        with self.responses.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(SAMPLE_HEADER)
            w.writerows(self.rows)

    def add(self, when: str, **answers: str) -> None:
        self.rows.append([when, *[answers.get(k, "") for k in DEFAULT_QUESTIONS]])
        self._write()

    def cli(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def sync(self, now: str, *extra: str) -> tuple[str, str]:
        code, out, err = self.cli("sync", "--config", str(self.config), "--now", now, *extra)
        assert code == 0, err
        return out, err

    # -- what the run left behind -------------------------------------------------------
    def cells(self) -> list[tuple[str, str, Any, str]]:
        """(tab, coordinate, value, data_type) for every non-empty cell of every tab."""
        wb = openpyxl.load_workbook(self.tracker)
        return [
            (ws.title, c.coordinate, c.value, c.data_type)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]

    def tab_text(self, *tabs: str) -> dict[str, str]:
        """Tab title -> every cell's text, one per line (all tabs when none named)."""
        out: dict[str, list[str]] = {}
        for tab, _, value, _ in self.cells():
            if not tabs or tab in tabs:
                out.setdefault(tab, []).append(str(value))
        return {tab: "\n".join(v) for tab, v in out.items()}

    def mails(self) -> list[EmailMessage]:
        if not self.outbox.exists():
            return []
        return [
            email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for p in sorted(self.outbox.glob("*.eml"))
        ]


def mail_text(m: EmailMessage) -> str:
    # Message-ID and the MIME boundary are random digits, which can hold a six-digit
    # canary by chance; they carry nothing a person typed.
    parts = [f"{k}: {v}" for k, v in m.items()
             if k.lower() not in ("message-id", "content-type")]
    for part in m.walk():
        if part.get_content_maintype() == "text":
            parts.append(str(part.get_content()))  # type: ignore[attr-defined]
    return "\n".join(parts)


def where(needle: str, texts: dict[str, str]) -> list[str]:
    return [tab for tab, text in texts.items() if needle in text]


# Roster students (config/sample/roster.csv), all leavers of summer 2026.
def answer(ref: str, name: str, dob: str, email_: str, phone: str, consent: str,
           **more: str) -> dict[str, str]:
    base = dict(reference=ref, name=name, dob=dob, leaving_year="2026", email=email_,
                phone=phone, destination="College", course="BTEC Sport", level="Level 3",
                provider="Riverside College", start_date="01/09/2026", duration="2 yrs",
                consent=consent)
    base.update(more)
    return base


def first_run(a: Audit) -> None:
    """Create the roster rows, so that later answers are cell changes (and logged)."""
    a.add("2026/05/01 10:00:00 AM GMT", **answer(
        "OAK-1073", "Grace Quayle", "08/02/2009", "grace.q.1073@example.org",
        "07700 900173", "Yes"))
    a.sync("2026-05-05")


# -- rule 6: a "No" stores no email or phone anywhere -------------------------------------


def test_a_no_consent_answer_with_hostile_values_stores_no_contact_details_anywhere(
    audit: Audit,
) -> None:
    first_run(audit)
    audit.add("2026/05/20 12:00:00 PM GMT", **answer(
        "OAK-1078", "Wren Kirkby\r\nBcc: x@example.org", "22/04/2009",
        "wren.k.1078@example.org", "07700 900178", "No",
        course='=HYPERLINK("http://x","y")', level="@SUM(A1)", provider="+1-2"))
    # Not on the roster: a new row is started from the answer, without contact details.
    audit.add("2026/05/20 04:00:00 PM GMT", **answer(
        "", "Yan Hamlet", "05/05/2009", "yan.hamlet.9003@example.org", "07700 900903", "No"))
    out, err = audit.sync("2026-06-01")
    audit.sync("2026-09-01")  # the autumn check goes out to consenting leavers
    texts = audit.tab_text()
    assert {"Tracker", "Review", "Change log", "_destsync_base", "_destsync_ledger"} <= set(texts)
    for secret in ("wren.k.1078", "+447700900178", "900178", "yan.hamlet.9003", "900903"):
        assert where(secret, texts) == [], secret
        assert secret not in out + err
        assert not any(secret in mail_text(m) for m in audit.mails()), secret
    tracker = texts["Tracker"]
    assert "Yan" in tracker and "Hamlet" in tracker  # the row exists, minus contact details


def test_erasure_clears_tracker_state_and_mail_but_not_only_the_tracker(audit: Audit) -> None:
    """What holds today after a withdrawal: tracker cells, merge base, ledger and mail."""
    first_run(audit)
    audit.add("2026/05/10 10:00:00 AM GMT", **answer(
        "OAK-1077", "Priya Ashdown", "06/02/2009", "priya.a.1077@example.org",
        "07700 900177", "Yes"))
    audit.sync("2026-05-11")
    assert where("priya.a.1077", audit.tab_text("Tracker")) == ["Tracker"]
    audit.add("2026/05/20 10:00:00 AM GMT", **answer(
        "OAK-1077", "Priya Ashdown", "06/02/2009", "priya.b.1077@example.org",
        "07700 900277", "No"))
    audit.sync("2026-06-01")
    audit.sync("2026-09-01")
    texts = audit.tab_text()
    for tab in ("Tracker", "Review", "_destsync_base", "_destsync_ledger", "_destsync_responses"):
        for secret in ("priya.a.1077", "priya.b.1077", "900177", "900277"):
            assert secret not in texts.get(tab, ""), (tab, secret)
    assert not any("priya.a.1077" in mail_text(m) for m in audit.mails())


def test_erasure_leaves_no_old_email_or_phone_in_the_change_log(audit: Audit) -> None:
    first_run(audit)
    audit.add("2026/05/10 10:00:00 AM GMT", **answer(
        "OAK-1077", "Priya Ashdown", "06/02/2009", "priya.a.1077@example.org",
        "07700 900177", "Yes"))
    audit.sync("2026-05-11")
    audit.add("2026/05/20 10:00:00 AM GMT", **answer(
        "OAK-1077", "Priya Ashdown", "06/02/2009", "priya.b.1077@example.org",
        "07700 900277", "No"))
    audit.sync("2026-06-01")
    log = audit.tab_text("Change log").get("Change log", "")
    assert "erased: no consent" in log  # the erasure itself is recorded...
    assert "priya.a.1077" not in log  # ...but not the value erased
    assert "+447700900177" not in log


def test_erasure_covers_conflict_rows_on_the_review_tab(audit: Audit) -> None:
    first_run(audit)
    audit.add("2026/05/10 11:00:00 AM GMT", **answer(
        "OAK-1076", "Quinn Northcott", "08/09/2008", "quinn.first.1076@example.org",
        "07700 900176", "Yes"))
    audit.sync("2026-05-11")
    wb = openpyxl.load_workbook(audit.tracker)  # a member of staff corrects the email
    ws = wb["Tracker"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "OAK-1076")
    row[headers.index("Personal email")].value = "quinn.staff.1076@example.org"
    wb.save(audit.tracker)
    audit.add("2026/05/12 10:00:00 AM GMT", **answer(
        "OAK-1076", "Quinn Northcott", "08/09/2008", "quinn.third.1076@example.org",
        "07700 900176", "Yes"))
    audit.sync("2026-05-13")
    review = audit.tab_text("Review")["Review"]
    assert "Conflict" in review and "Personal email" in review  # raised, masked:
    assert "q***@e***.org" in review and "quinn.third.1076" not in review
    audit.add("2026/05/20 11:00:00 AM GMT", **answer(
        "OAK-1076", "Quinn Northcott", "08/09/2008", "quinn.fourth.1076@example.org",
        "07700 900376", "No"))
    audit.sync("2026-06-01")
    assert "quinn.staff.1076" not in audit.tab_text("Tracker")["Tracker"]  # erased there
    review = audit.tab_text("Review")["Review"]
    for secret in ("quinn.staff.1076", "quinn.third.1076", "quinn.fourth.1076"):
        assert secret not in review, secret


def test_a_no_consent_answer_with_unreadable_contact_details_keeps_none_on_review(
    audit: Audit,
) -> None:
    first_run(audit)
    audit.add("2026/05/20 01:00:00 PM GMT", **answer(
        "OAK-1080", "Nia Thorne", "25/04/2009", "nia.t.1080 at example.org",
        "07700 900180 mum", "No"))
    audit.sync("2026-06-01")
    texts = audit.tab_text()
    assert where("nia.t.1080", texts) == []
    assert where("900180", texts) == []


def test_an_unclear_consent_answer_keeps_no_email_on_review(audit: Audit) -> None:
    first_run(audit)
    audit.add("2026/05/20 02:00:00 PM GMT", **answer(
        "", "Ula Sample", "06/06/2008", "ula.sample.9004@example.org", "07700 900904",
        "maybe", leaving_year="2019"))
    audit.sync("2026-06-01")
    review = audit.tab_text("Review")["Review"]
    assert "Ula Sample" in review  # the answer is on Review for a person to place
    assert "ula.sample.9004" not in review


# -- rule 1: user text is never a formula ------------------------------------------------


def test_formula_like_answers_are_string_cells_in_every_tab(audit: Audit) -> None:
    first_run(audit)
    hostile = dict(course='=HYPERLINK("http://x","y")', level="@SUM(A1)", provider="+1-2")
    audit.add("2026/05/20 12:00:00 PM GMT", **answer(
        "OAK-1078", "Wren Kirkby", "22/04/2009", "wren.k.1078@example.org", "07700 900178",
        "Yes", **hostile))
    audit.add("2026/05/20 02:00:00 PM GMT", **answer(
        "", "Eve Sample", "03/03/2009", "eve.sample.9001@example.org", "07700 900901", "Yes",
        course="=1+1", level="@cmd", provider="-2+3"))
    audit.add("2026/05/20 03:00:00 PM GMT", **answer(
        "OAK-1080", "Nia Thorne", "25/04/2009", "nia.thorne.9005@example.org", "+1-2", "Yes",
        course="\t=1+1", provider="\r=2+2"))
    audit.sync("2026-06-01")
    cells = audit.cells()
    formula_like = [(t, c, v, d) for t, c, v, d in cells
                    if isinstance(v, str) and v.startswith(FORMULA_START)]
    tabs = {t for t, _, _, _ in formula_like}
    assert {"Tracker", "Review", "Change log"} <= tabs
    assert [x for x in formula_like if x[3] != "s"] == []
    # The merge base holds them inside each Ref's JSON cell, a string cell too.
    base = [(v, d) for t, c, v, d in cells if t == "_destsync_base" and c.startswith("B")]
    assert any('=HYPERLINK(\\"http://x\\",\\"y\\")' in v for v, _ in base)
    assert {d for _, d in base} == {"s"}
    values = {v for _, _, v, _ in formula_like}
    assert {'=HYPERLINK("http://x","y")', "@SUM(A1)", "+1-2", "=1+1", "@cmd", "-2+3"} <= values
    with zipfile.ZipFile(audit.tracker) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml


class _Response:
    content = b"{}"

    def json(self) -> dict[str, Any]:
        return {}


class _Http:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> _Response:
        self.calls.append((method, url, kwargs))
        return _Response()


class _Client:
    def __init__(self) -> None:
        self.http_client = _Http()


def test_sheets_values_are_always_sent_raw_and_new_rows_as_string_values() -> None:
    client = _Client()
    sheets = SheetsApi(client, "sheet-id", "spreadsheet sheet-id (OAK)")
    sheets.update_by_filter([{"dataFilter": {"a1Range": "Tracker!A2"}, "values": [["=1+1"]]}])
    assert len(client.http_client.calls) == 1
    _, url, kwargs = client.http_client.calls[0]
    assert url.endswith("/values:batchUpdateByDataFilter")
    assert kwargs["json"]["valueInputOption"] == "RAW"
    cells = text_cells(['=HYPERLINK("http://x","y")', None, "+1-2"])["values"]
    assert cells[0] == {"userEnteredValue": {"stringValue": '=HYPERLINK("http://x","y")'}}
    assert cells[1] == {} and "formulaValue" not in str(cells)
    source = (ROOT / "destsync").rglob("*.py")
    assert not any("USER_ENTERED" in p.read_text(encoding="utf-8").replace(
        "never `USER_ENTERED`", "").replace("never USER_ENTERED", "") for p in source)


# -- rules 2 and 3: headers and HTML ------------------------------------------------------


def test_a_name_with_a_line_break_adds_no_header_and_html_is_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = Audit(tmp_path, capsys,
              subject="{{ school.name }}: {{ student.forename }} {{ student.surname }}")
    first_run(a)
    a.add("2026/05/20 02:00:00 PM GMT", **answer(
        "", "Eve <script>alert(1)</script>\r\nBcc: attacker", "03/03/2009",
        "eve.sample.9001@example.org", "07700 900901", "Yes"))
    a.sync("2026-06-01")
    a.sync("2026-09-01")
    mine = [m for m in a.mails() if "eve.sample.9001@example.org" in str(m["To"])]
    assert len(mine) == 1
    m = mine[0]
    assert m["Bcc"] is None and m["Cc"] is None
    assert [str(x.addr_spec) for x in m["To"].addresses] == ["eve.sample.9001@example.org"]
    assert "\n" not in str(m["Subject"]) and "\r" not in str(m["Subject"])
    assert "<script>" in str(m["Subject"])  # plain text in a header is harmless
    html = next(p for p in m.walk() if p.get_content_type() == "text/html").get_content()
    assert "&lt;script&gt;" in html and "<script>" not in html
    raw = b"".join(p.read_bytes() for p in a.outbox.glob("autumn_check*.eml"))
    assert not re.search(rb"(?m)^Bcc:", raw)


# -- rule 4: output names refs and counts only ------------------------------------------


def _personal_data() -> list[str]:
    out: list[str] = []
    with (ROOT / "config/sample/roster.csv").open(encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            out += [f"{r['Forename']} {r['Surname']}", r["Parent/carer email"]]
    with (ROOT / "config/sample/form-a-responses.csv").open(encoding="utf-8-sig") as fh:
        for r in list(csv.reader(fh))[1:]:
            if len(r) > 6 and r[0]:
                out += [r[5], r[6], re.sub(r"\D", "", r[6])[-6:]]
    return sorted({x for x in out if len(x) >= 6})


def test_sync_output_and_json_summary_carry_no_personal_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    cfg = str(tmp_path / "config/example.toml")
    capsys.readouterr()
    assert main(["sync", "--config", cfg, "--now", "2026-11-22"]) == 0
    assert main(["sync", "--config", cfg, "--now", "2026-11-23", "--json"]) == 0
    assert main(["check", "--config", cfg]) == 0
    out, err = capsys.readouterr()
    assert "read 146 responses" in out  # the sample school, current students included
    leaks = [x for x in _personal_data() if x in out + err]
    assert leaks == []


def test_dry_run_output_carries_no_personal_data(audit: Audit) -> None:
    first_run(audit)
    audit.add("2026/05/10 10:00:00 AM GMT", **answer(
        "OAK-1077", "Priya Ashdown", "06/02/2009", "priya.a.1077@example.org",
        "07700 900177", "Yes"))
    audit.add("2026/05/10 11:00:00 AM GMT", **answer(
        "OAK-1080", "Nia Thorne", "31/02/2009", "nia.t.1080 at example.org",
        "07700 900180", "Yes"))
    out, err = audit.sync("2026-05-11", "--dry-run")
    assert "~ OAK-1077" in out  # the plan is listed...
    for secret in ("priya.a.1077", "+447700900177", "nia.t.1080", "31/02/2009"):
        assert secret not in out + err, secret  # ...by ref, without the values


def test_an_unexpected_error_prints_no_roster_name(audit: Audit) -> None:
    lines = audit.roster.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Hamza", "Hamza\x01Quillfeather", 1)
    audit.roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = audit.cli("sync", "--config", str(audit.config), "--now", "2026-05-05")
    assert "Quillfeather" not in out + err
    assert code == 0


# -- rule 5: scopes and key material ------------------------------------------------------


def test_oauth_scopes_are_the_documented_least_privilege_set() -> None:
    assert cr.SHEETS_SCOPES == ("https://www.googleapis.com/auth/spreadsheets",)
    assert cr.FORMS_READ_SCOPES == (
        "https://www.googleapis.com/auth/forms.body.readonly",
        "https://www.googleapis.com/auth/forms.responses.readonly",
    )
    assert cr.FORMS_SETUP_SCOPES == ("https://www.googleapis.com/auth/forms.body",)
    # Drafts (exactly once on Gmail) need compose: gmail.send does not cover drafts.*.
    assert cr.GMAIL_SCOPES == ("https://www.googleapis.com/auth/gmail.compose",)
    every = {*cr.SHEETS_SCOPES, *cr.FORMS_READ_SCOPES, *cr.FORMS_SETUP_SCOPES, *cr.GMAIL_SCOPES}
    for broad in ("auth/drive", "mail.google.com", "gmail.modify", "gmail.readonly"):
        assert not any(broad in s for s in every)
    # Reading bounces and replies is opt-in (mail.gmail.read_inbox), and reads only.
    assert cr.GMAIL_READ_SCOPES == ("https://www.googleapis.com/auth/gmail.readonly",)


def _tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / f for f in listed if f]


def test_no_key_material_is_tracked_in_the_repo() -> None:
    markers = ["-----BEGIN " + kind + "PRIVATE KEY-----" for kind in ("", "RSA ", "EC ")]
    markers += ['"private' + '_key"', '"client' + '_secret"', '"type": "service' + '_account"']
    found = []
    for path in _tracked_files():
        if not path.is_file() or path.suffix in (".xlsx", ".png"):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{path.relative_to(ROOT)}: {m}" for m in markers if m in text]
    assert found == []


# -- rule 7: invented data only ------------------------------------------------------------


def test_sample_and_template_addresses_are_at_example_domains() -> None:
    address = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
    bad = []
    for folder in ("config", "destsync/templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file():
                for domain in address.findall(path.read_text(encoding="utf-8")):
                    if not re.search(r"(^|\.)example\.(org|com|net)$", domain.lower()):
                        bad.append(f"{path.name}: {domain}")
    assert bad == []


def test_every_command_in_json_log_mode_carries_no_personal_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As on Cloud Run: every command, a failing one and --debug included, with the log
    records as JSON lines. Only subject-access writes a person's data, into its file."""
    monkeypatch.setenv("CLOUD_RUN_JOB", "destsync-sync")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    cfg = str(tmp_path / "config/example.toml")
    capsys.readouterr()
    runs = [
        ["sync", "--config", cfg, "--now", "2026-11-22", "--json"],
        ["--debug", "sync", "--config", cfg, "--now", "2026-11-23", "--json"],
        ["sync", "--config", cfg, "--dry-run", "--now", "2026-11-24"],
        ["check", "--config", cfg],
        ["doctor", "--config", cfg],
        ["report", "--config", cfg, "--out", str(tmp_path / "report")],
        ["subject-access", "--config", cfg, "--ref", "OAK-1001",
         "--out", str(tmp_path / "sar.json")],
        ["erase", "--config", cfg, "--ref", "OAK-1002", "--dry-run"],
        ["--debug", "erase", "--config", cfg, "--ref", "OAK-1002"],
        ["sync", "--config", str(tmp_path / "missing.toml")],
        ["sync", "--config", cfg, "--now", "not a date"],
        ["erase", "--config", cfg, "--ref", "OAK-1002"],  # already erased
        ["--debug", "erase", "--config", cfg, "--ref", "OAK-9999"],
        ["restore", "--config", cfg, "--ref", "OAK-1003"],  # its row was never deleted
    ]
    codes = [main(args) for args in runs]
    assert codes[:9] == [0] * 9 and codes[9:] == [2] * 5
    out, err = capsys.readouterr()
    leaks = [x for x in _personal_data() if x in out + err]
    assert leaks == []
    records = [json.loads(line) for line in out.splitlines() if line.startswith('{"')]
    errors = [r for r in records if r.get("severity") == "ERROR"]
    assert len(errors) == 5 and all("hint" in r["message"] for r in errors)
    assert (tmp_path / "sar.json").exists()
