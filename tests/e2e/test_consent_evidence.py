"""Consent as evidence: the state, date, channel and wording version of each leaver's
consent; the full wording kept once; a new wording is a new version, `check` names the
live one, and only a consent under a wording on record lets destsync make contact."""

from __future__ import annotations

import csv

import openpyxl
import pytest

import tests.e2e.test_privacy_audit as pa
from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.domain.campaigns import Audience
from destsync.domain.consent import live_line, version_of
from tests.e2e.test_privacy_audit import Audit, answer, first_run

NEW_WORDING = ("May we keep your personal email and phone number, and contact you about "
               "what you are doing, for the next three years?")


def tracker_row(a: Audit, ref: str) -> dict[str, str]:
    ws = openpyxl.load_workbook(a.tracker)["Tracker"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == ref)
    return {str(h): "" if v is None else str(v) for h, v in zip(header, row, strict=False)}


def meta(a: Audit) -> dict[str, str]:
    ws = openpyxl.load_workbook(a.tracker)["_destsync_meta"]
    return {str(r[0]): str(r[1]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


def reword(a: Audit) -> None:
    """The consent question is reworded on the form: config and export both follow."""
    text = a.config.read_text(encoding="utf-8")
    a.config.write_text(text.replace("[form_a.questions]\n", "[form_a.questions]\nconsent = "
                                     f'"{NEW_WORDING}"\n'), encoding="utf-8")
    with a.responses.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[0] = [NEW_WORDING if h == DEFAULT_QUESTIONS["consent"] else h for h in rows[0]]
    with a.responses.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    pa.SAMPLE_HEADER[:] = rows[0]  # later answers are written under the new header


def test_consent_is_recorded_with_its_wording_and_a_new_wording_is_a_new_version(
        audit: Audit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pa, "SAMPLE_HEADER", list(pa.SAMPLE_HEADER))
    first_run(audit)
    old = version_of(DEFAULT_QUESTIONS["consent"])
    row = tracker_row(audit, "OAK-1073")
    assert row["Consent"] == "Yes" and row["Consent date"].startswith("2026-05-01")
    assert row["Consent evidence"].startswith(f"given via Form A, wording {old} (Form A response")
    assert meta(audit)[f"consent_wording/{old}"] == DEFAULT_QUESTIONS["consent"]
    code, out, err = audit.cli("check", "--config", str(audit.config))
    assert code == 0, err
    assert f"consent wording {old} is live (on record)" in out

    reword(audit)
    new = version_of(NEW_WORDING)
    assert new != old
    code, out, _ = audit.cli("check", "--config", str(audit.config))
    assert f"consent wording {new} is live (new" in out
    audit.add("2026/05/10 10:00:00 AM GMT", **answer(
        "OAK-1077", "Priya Ashdown", "06/02/2009", "priya.a.1077@example.org", "", "Yes"))
    audit.sync("2026-05-11")
    assert f"wording {old}" in tracker_row(audit, "OAK-1073")["Consent evidence"]  # kept
    assert f"wording {new}" in tracker_row(audit, "OAK-1077")["Consent evidence"]
    assert meta(audit)[f"consent_wording/{new}"] == NEW_WORDING
    code, out, _ = audit.cli("check", "--config", str(audit.config))
    assert f"consent wording {new} is live (on record); earlier wordings on record: {old}" in out


def test_a_yes_under_a_wording_not_on_record_is_not_consent_to_contact() -> None:
    aud = Audience("OAK", (), None, {}, (), {}, frozenset({"v12345678"}))  # type: ignore[arg-type]
    assert aud.contact_consented({"consent_evidence": "given via Form A, wording v12345678 (x)"})
    assert not aud.contact_consented(
        {"consent_evidence": "given via Form A, wording vdeadbeef (x)"})
    # Free text a person typed names no channel or wording destsync knows: left to them.
    assert aud.contact_consented({"consent_evidence": "recorded by staff from a paper form"})


def test_the_check_line_when_no_wording_is_configured() -> None:
    assert "none configured" in live_line("  ", {})
