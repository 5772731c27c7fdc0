"""A row staff deleted from the Tracker stays deleted: the next sync does not re-create it
from the roster or old answers; a Review item asks to erase or restore it, and both work."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.e2e.test_erase import REF, everything, found, subject_with_history
from tests.e2e.test_privacy_audit import Audit


def delete_row(tracker: Path, ref: str) -> None:
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Tracker"]
    r = next(c.row for c in ws["A"] if c.value == ref)
    ws.delete_rows(r)
    wb.save(tracker)


def review_rows(a: Audit) -> list[dict[str, str]]:
    ws = openpyxl.load_workbook(a.tracker)["Review"]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_a_deleted_row_is_not_recreated_and_review_asks(audit: Audit) -> None:
    subject_with_history(audit)
    delete_row(audit.tracker, REF)
    audit.sync("2026-09-02")
    audit.sync("2026-09-03")
    assert REF not in audit.tab_text("Tracker")["Tracker"]
    asks = [r for r in review_rows(audit) if r["Kind"] == "Row deleted"]
    assert [r["Ref"] for r in asks] == [REF]  # raised once, not every run
    assert "destsync erase --ref" in asks[0]["What to do"]
    assert "destsync restore --ref" in asks[0]["What to do"]

    code, _out, err = audit.cli("restore", "--config", str(audit.config), "--ref", REF)
    assert code == 0, err
    audit.sync("2026-09-04")
    assert REF in audit.tab_text("Tracker")["Tracker"]


def test_a_deleted_row_can_then_be_erased(audit: Audit) -> None:
    subject_with_history(audit)
    delete_row(audit.tracker, REF)
    audit.sync("2026-09-02")
    code, _, err = audit.cli("erase", "--config", str(audit.config), "--ref", REF)
    assert code == 0, err
    audit.sync("2026-09-03")
    assert found(everything(audit)) == []
