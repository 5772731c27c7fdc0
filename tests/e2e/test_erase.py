"""`destsync erase`: one student gone from every tab, hidden or not, from the outbox and
from every file destsync wrote; the next sync does not bring them back; a new answer
after the erasure is a new start. On the workbook here, on the emulator below."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest

from destsync.domain.campaigns import parse_key
from tests.e2e.conftest import School
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
    xlsx_records,
)
from tests.e2e.test_demo_acceptance import found as found_in
from tests.e2e.test_demo_acceptance import identity
from tests.e2e.test_privacy_audit import Audit, answer, first_run, mail_text

REF, NAME, DOB = "OAK-1077", "Priya Ashdown", "06/02/2009"
SECRETS = ("priya ashdown", "priya.a.1077@example.org", "priya.staff.1077@example.org",
           "2009-02-06", "06/02/2009", "oak-1077")
PHONES = ("7700900177",)


def outbox_mails(folder: Path) -> list[EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for p in sorted((folder / "outbox").glob("*.eml"))]


def found(texts: dict[str, str]) -> list[tuple[str, str]]:
    """(place, secret) for each secret found, phone numbers by their digits."""
    hits = []
    for place, text in texts.items():
        low = text.casefold()
        digits = re.sub(r"\D", "", low)
        hits += [(place, s) for s in SECRETS if s in low]
        hits += [(place, p) for p in PHONES if p in digits]
    return hits


def everything(a: Audit) -> dict[str, str]:
    """Every tab's cells, every mail's decoded text, every other file destsync wrote."""
    texts = {f"tab {t}": v for t, v in a.tab_text().items()}
    for i, m in enumerate(a.mails()):
        texts[f"mail {i}"] = mail_text(m)
    out = a.tmp / "output"
    for p in out.rglob("*"):
        if p.is_file() and p.suffix not in (".xlsx", ".eml"):
            texts[str(p)] = p.read_bytes().decode("utf-8", "replace")
        if p.is_file():
            texts[f"name {p.name}"] = p.name
    return texts


def subject_with_history(a: Audit) -> None:
    """A leaver with answers, a staff edit in conflict, Review and log rows and an email."""
    first_run(a)
    a.add("2026/05/10 10:00:00 AM GMT", **answer(REF, NAME, DOB, "priya.a.1077@example.org",
                                                 "07700 900177", "Yes"))
    a.sync("2026-05-11")
    wb = openpyxl.load_workbook(a.tracker)
    ws = wb["Tracker"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == REF)
    row[headers.index("Personal email")].value = "priya.staff.1077@example.org"
    wb.save(a.tracker)
    a.add("2026/05/12 10:00:00 AM GMT", **answer(REF, NAME, DOB, "priya.a.1077@example.org",
                                                 "07700 900177", "Yes", course="A levels"))
    # An unreadable answer without the Ref: matched by nothing, quoted on Review.
    a.add("2026/05/13 10:00:00 AM GMT", **answer("", NAME, "31/02/2009",
                                                 "priya.a.1077@example.org", "", "Yes"))
    a.sync("2026-05-13")
    a.sync("2026-09-01")  # the autumn check goes out


def test_erase_leaves_nothing_and_the_next_sync_does_not_bring_them_back(audit: Audit) -> None:
    subject_with_history(audit)
    before = found(everything(audit))
    assert {p for p, _ in before} >= {"tab Tracker", "tab _destsync_base", "tab Change log"}
    assert any(p.startswith("mail") for p, _ in before), "the autumn check was sent to them"
    code, out, err = audit.cli("erase", "--config", str(audit.config), "--ref", REF,
                               "--dry-run")
    assert code == 0, err
    assert "nothing written" in out and "Tracker: 1 row" in out
    assert found({"out": out + err}) == [("out", "oak-1077")]  # the Ref they asked about
    assert found(everything(audit)) == before  # a dry run changes nothing

    code, out, err = audit.cli("erase", "--config", str(audit.config), "--ref", REF)
    assert code == 0, err
    assert found({"out": out.replace(REF, "") + err}) == []
    assert found(everything(audit)) == []
    log = audit.tab_text("Change log")["Change log"]
    assert "erased on request (tombstone " in log  # the audit entry, with no Ref
    assert "Grace" in audit.tab_text("Tracker")["Tracker"]  # others untouched

    audit.sync("2026-09-02")
    audit.sync("2026-10-01")
    assert found(everything(audit)) == []

    code, _, err = audit.cli("erase", "--config", str(audit.config), "--ref", REF)
    assert code == 2 and "already erased" in err

    # A new answer after the erasure is a new start: the row comes back with only it.
    audit.add("2026/10/05 10:00:00 AM GMT", **answer(REF, NAME, DOB, "priya.new@example.org",
                                                     "", "Yes"))
    audit.sync("2026-10-06")
    tracker = audit.tab_text("Tracker")["Tracker"]
    assert "priya.new@example.org" in tracker
    assert "priya.a.1077" not in tracker and "A levels" not in tracker


def test_an_unknown_ref_is_one_line_and_writes_nothing(audit: Audit) -> None:
    first_run(audit)
    stamp = audit.tracker.stat().st_mtime_ns
    code, _, err = audit.cli("erase", "--config", str(audit.config), "--ref", "OAK-9999")
    assert code == 2 and err.startswith("error: ") and "OAK-9999" in err
    assert len(err.strip().splitlines()) == 2
    assert audit.tracker.stat().st_mtime_ns == stamp


def test_a_refused_write_is_one_line_and_a_second_erase_finishes(audit: Audit) -> None:
    subject_with_history(audit)
    lock = audit.tracker.with_name(f"~${audit.tracker.name}")  # open in Excel
    lock.write_text("", encoding="utf-8")
    stamp = audit.tracker.stat().st_mtime_ns
    code, _, err = audit.cli("erase", "--config", str(audit.config), "--ref", REF)
    assert code == 2 and len(err.strip().splitlines()) == 2, err
    assert "run erase again to finish" in err and found({"err": err}) == []
    assert audit.tracker.stat().st_mtime_ns == stamp
    lock.unlink()
    code, _, err = audit.cli("erase", "--config", str(audit.config), "--ref", REF)
    assert code == 0, err
    assert found(everything(audit)) == []


@pytest.mark.slow
def test_erase_on_the_google_backend(remote: RemoteSchool) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.sync()
    ref = next(r["Ref"] for r in remote.tab("_destsync_responses") if r["Outcome"] == "tracker")
    row = remote.tracker()[ref]
    secrets = [row["Personal email"], row["Forename"] + " " + row["Surname"],
               row["Date of birth"], ref]
    assert secrets[0]

    def anywhere() -> list[str]:
        hits = []
        for title in ("Tracker", "Review", "Change log", "Returns", "_destsync_base",
                      "_destsync_responses", "_destsync_ledger", "_destsync_meta"):
            text = "\n".join(" ".join(r.values()) for r in remote.tab(title))
            hits += [f"{title}: {s}" for s in secrets if s and s in text]
        return hits

    assert anywhere()
    code, _, err = remote.cli("erase", "--config", str(remote.config), "--ref", ref)
    assert code == 0, err
    assert anywhere() == []
    remote.sync("2026-11-03")
    assert anywhere() == [] and ref not in remote.tracker()


@pytest.mark.slow
def test_a_staff_withdrawal_and_a_deleted_row_on_the_google_backend(
        remote: RemoteSchool) -> None:
    from tests.e2e.emulated import SHEET_ID
    from tests.emulator.a1 import cell_name

    remote.setup()
    remote.submit_csv_responses()
    remote.sync()
    rows = remote.tracker()
    withdraws, deleted = [r for r, row in rows.items() if row["Personal email"]][:2]
    email = rows[withdraws]["Personal email"]
    values = remote.sheets.values(SHEET_ID, "Tracker")
    r = next(i for i, v in enumerate(values) if v and v[0] == withdraws)
    remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(r, values[0].index("Consent")),
                            "Withdrawn")
    r = next(i for i, v in enumerate(values) if v and v[0] == deleted)
    remote.sheets.delete_row(SHEET_ID, "Tracker", r)
    remote.sync("2026-11-03")
    for title in ("Tracker", "Review", "_destsync_base"):
        assert email not in str(remote.tab(title)), title
    assert deleted not in remote.tracker()
    asks = [x for x in remote.tab("Review") if x["Kind"] == "Row deleted"]
    assert [x["Ref"] for x in asks] == [deleted]


def test_a_mention_on_another_row_goes_but_a_shared_family_number_stays(audit: Audit) -> None:
    subject_with_history(audit)
    wb = openpyxl.load_workbook(audit.tracker)
    ws = wb["Tracker"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "OAK-1073")
    row[headers.index("Notes")].value = "Sister of Priya Ashdown; same landline"
    row[headers.index("Phone")].value = "07700 900177"  # the family's number, hers too
    dob = row[headers.index("Date of birth")].value
    wb.save(audit.tracker)
    code, _, err = audit.cli("erase", "--config", str(audit.config), "--ref", REF)
    assert code == 0, err
    ws = openpyxl.load_workbook(audit.tracker)["Tracker"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "OAK-1073")
    assert row[headers.index("Notes")].value == "Sister of (erased); same landline"
    assert row[headers.index("Phone")].value == "07700 900177"
    assert row[headers.index("Date of birth")].value == dob  # still a date, untouched


def test_the_acceptance_search_on_the_demo_school(school: School) -> None:
    """Erase one student of the demo generator's school who was emailed; search every tab
    of the workbook, the outbox and every other file destsync wrote for their name, email,
    phone and date of birth; sync again; search again. (``test_demo_acceptance`` runs the
    same search on what `destsync demo` itself leaves, and after every withdrawal.)"""
    school.sync("2026-11-02")
    school.sync("2027-05-03")  # the annual survey goes to last year's leavers
    rows = xlsx_records(school.tracker)
    mailed = {parse_key(str(m["X-Destsync-Key"]))[2] for m in outbox_mails(school.folder)}
    ref = next(r for r in sorted(mailed) if r in rows and rows[r]["Phone"])
    secrets, phone = identity(rows[ref]), [rows[ref]["Phone"]]

    def search() -> list[str]:
        return found_in(school.folder, school.tracker, secrets, phone)

    assert search()
    code, _, err = school.cli("erase", "--config", str(school.config), "--ref", ref)
    assert code == 0, err
    assert search() == []
    school.sync("2027-05-17")
    assert search() == [] and ref not in xlsx_records(school.tracker)
