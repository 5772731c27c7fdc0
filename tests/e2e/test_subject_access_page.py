"""`destsync subject-access` writes a page a person can read beside the JSON: the consent
evidence with its wording, the ledger, the tombstone; what anyone typed stays text. Read
in headless Chromium."""

from __future__ import annotations

import json
import stat

import openpyxl
import pytest

from destsync.config.settings import DEFAULT_QUESTIONS
from tests.browser import Chromium, chromium_path
from tests.e2e.test_privacy_audit import Audit, answer, first_run

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")
HOSTILE = "<b>bold</b><script>window.pwned = 1</script>"


def test_the_page_shows_consent_ledger_and_staff_words_as_text(audit: Audit) -> None:
    first_run(audit)
    audit.sync("2026-09-01")  # the autumn check goes to OAK-1073: a ledger entry
    wb = openpyxl.load_workbook(audit.tracker)
    ws = wb["Tracker"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "OAK-1073")
    row[header.index("Notes")].value = HOSTILE
    wb.save(audit.tracker)
    out = audit.tmp / "sar.json"
    code, _, err = audit.cli("subject-access", "--config", str(audit.config),
                             "--ref", "OAK-1073", "--out", str(out))
    assert code == 0, err
    page = out.with_suffix(".html")
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["consent"]["state"] == "given"
    assert record["consent"]["wording"] == DEFAULT_QUESTIONS["consent"]
    assert record["tombstone"] is None and record["emails"]
    with Chromium() as browser:
        browser.open(page, width=800)
        text = browser.evaluate("document.body.innerText")
        assert "What Oakfield" in text and "OAK-1073" in text and "Grace" in text
        assert DEFAULT_QUESTIONS["consent"] in text  # the words agreed to
        assert record["consent"]["wording_version"] in text
        assert "autumn_check" in text  # the ledger
        assert "has not been erased" in text
        assert HOSTILE in text  # shown literally
        assert browser.evaluate("typeof window.pwned") == "undefined"
        assert browser.evaluate("document.querySelectorAll('b').length") == 0


def test_an_erased_student_gets_the_tombstone(audit: Audit) -> None:
    first_run(audit)
    audit.add("2026/05/10 10:00:00 AM GMT", **answer(
        "OAK-1077", "Priya Ashdown", "06/02/2009", "priya.a.1077@example.org", "", "Yes"))
    audit.sync("2026-05-11")
    assert audit.cli("erase", "--config", str(audit.config), "--ref", "OAK-1077")[0] == 0
    out = audit.tmp / "sar.json"
    code, _, err = audit.cli("subject-access", "--config", str(audit.config),
                             "--ref", "OAK-1077", "--out", str(out))
    assert code == 0, err
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["tombstone"]["erased_on"] and "1 response ids" in record["tombstone"]["holds"]
    with Chromium() as browser:
        browser.open(out.with_suffix(".html"), width=800)
        assert "Erased on " in browser.evaluate("document.body.innerText")
