"""Withdrawal and retention reach every copy: the staff dropdowns, Review rows quoting
what the form could not read, the messages in the outbox, and a stopped run's temporary
files (issue 14, item 5)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.test_privacy_audit import Audit, answer, first_run, mail_text

REF, NAME, DOB = "OAK-1077", "Priya Ashdown", "06/02/2009"


def set_cell(tracker: Path, ref: str, header: str, value: str) -> None:
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Tracker"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == ref)
    row[headers.index(header)].value = value
    wb.save(tracker)


def consenting(a: Audit, phone: str = "07700 900177") -> None:
    first_run(a)
    a.add("2026/05/10 10:00:00 AM GMT", **answer(REF, NAME, DOB, "priya.a.1077@example.org",
                                                 phone, "Yes"))
    a.sync("2026-05-11")
    a.sync("2026-09-01")  # the autumn check goes to them


def contact_anywhere(a: Audit, *secrets: str) -> list[str]:
    hits = [f"tab {t}" for t, text in a.tab_text().items() for s in secrets if s in text]
    hits += [f"mail to {m['To']}" for m in a.mails() for s in secrets if s in mail_text(m)]
    return hits


@pytest.mark.parametrize(("header", "value"), [("Consent", "Withdrawn"), ("Consent", "No"),
                                               ("Contact status", "Consent withdrawn")])
def test_each_staff_dropdown_value_meaning_withdrawal_erases_every_copy(
        audit: Audit, header: str, value: str) -> None:
    consenting(audit)
    assert contact_anywhere(audit, "priya.a.1077", "900177")
    assert any("priya.a.1077" in mail_text(m) for m in audit.mails())
    set_cell(audit.tracker, REF, header, value)
    audit.sync("2026-09-02")
    assert contact_anywhere(audit, "priya.a.1077", "900177") == []
    assert audit.mails(), "the messages stay, as the record that they went"


def test_review_rows_quoting_an_unreadable_phone_are_masked_after_withdrawal(
        audit: Audit) -> None:
    consenting(audit, phone="07700 900177 (mum's)")
    assert contact_anywhere(audit, "900177")  # quoted on Review, the form could not read it
    audit.add("2026/09/05 10:00:00 AM GMT", **answer(REF, NAME, DOB, "", "", "No"))
    audit.sync("2026-09-06")
    assert contact_anywhere(audit, "priya.a.1077", "900177") == []


def test_retention_takes_the_addresses_out_of_the_outbox(audit: Audit) -> None:
    consenting(audit)
    audit.sync("2030-10-01")  # past the year-3 check and its grace
    assert contact_anywhere(audit, "priya.a.1077", "900177") == []


def test_a_stopped_runs_temporary_files_go_at_the_next_run(audit: Audit) -> None:
    first_run(audit)
    audit.outbox.mkdir(parents=True, exist_ok=True)
    old = [audit.tracker.parent / ".destsync-crash1.xlsx", audit.outbox / ".sending-x1.tmp"]
    fresh = audit.outbox / ".sending-live.tmp"  # another academy's run writing right now
    for f in [*old, fresh]:
        f.write_text("Priya Ashdown priya.a.1077@example.org", encoding="utf-8")
    hour_ago = time.time() - 3600
    for f in old:
        os.utime(f, (hour_ago, hour_ago))
    audit.sync("2026-05-06")
    assert [f.exists() for f in old] == [False, False]
    assert fresh.exists()


def test_a_dry_run_lists_the_next_retention_purges_and_when(audit: Audit) -> None:
    consenting(audit)
    code, out, err = audit.cli("sync", "--config", str(audit.config), "--now", "2026-09-02",
                               "--dry-run")
    assert code == 0, err
    line = next(x for x in out.splitlines() if "retention: leavers of 2026" in x)
    # The cohort's year-3 check ends 31 March 2030; 180 days' grace; gone the day after.
    assert "erased on 2030-09-28" in line and "OAK-1077" in line
    assert "priya.a.1077" not in out and "900177" not in out
    code, out, _ = audit.cli("sync", "--config", str(audit.config), "--now", "2030-10-01",
                             "--dry-run")
    assert "retention: leavers of 2026" in out and "at the next sync" in out


def test_a_withdrawal_mid_cycle_stops_the_campaign(audit: Audit) -> None:
    consenting(audit)  # attempt 1 of the autumn check went on 1 September

    def attempts() -> list[str]:
        return sorted(str(m["X-Destsync-Key"]) for m in audit.mails()
                      if f"autumn_check/2026/{REF}/" in str(m["X-Destsync-Key"]))

    assert len(attempts()) == 1
    set_cell(audit.tracker, REF, "Consent", "Withdrawn")
    audit.sync("2026-09-16")  # attempt 2 would be due now
    audit.sync("2026-10-08")  # and attempt 3
    assert len(attempts()) == 1
    others = [m for m in audit.mails() if "autumn_check/2026/OAK-1073/" in str(m["X-Destsync-Key"])]
    assert len(others) >= 2, "the campaign itself went on for a student who consents"
