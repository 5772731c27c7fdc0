"""The channel of consent evidence through the real CLI, on the workbook and on the Google
emulator: staff typing or choosing Consent "Yes", "No" or "Withdrawn", or Contact status
"Consent withdrawn", is recorded "via staff" with the day destsync saw it, and three
syncs leave it as it is although the old Form A answers are read again each time; the
subject access record shows the channel; a staff "Yes" alone emails no one unless the
trust's config says staff consent counts."""

from __future__ import annotations

import json

import pytest

from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.e2e.test_consent_evidence import tracker_row
from tests.e2e.test_every_copy import set_cell
from tests.e2e.test_privacy_audit import Audit, first_run

EDITS = [("Consent", "Yes", "given"), ("Consent", "No", "refused"),
         ("Consent", "Withdrawn", "withdrawn"),
         ("Contact status", "Consent withdrawn", "withdrawn")]
ANSWERED, SILENT = "OAK-1073", "OAK-1077"  # a Form A "Yes" on 1 May; no answer at all


def staff_text(header: str, value: str, said: str, seen: str) -> str:
    return f'{said} via staff, wording n/a ({header} "{value}", seen {seen})'


@pytest.mark.parametrize(("header", "value", "said"), EDITS)
def test_on_the_workbook_a_staff_edit_is_recorded_via_staff_and_three_syncs_keep_it(
        audit: Audit, header: str, value: str, said: str) -> None:
    first_run(audit)
    ref = SILENT if value == "Yes" else ANSWERED  # a staff "Yes" over a form "Yes" is none
    set_cell(audit.tracker, ref, header, value)
    audit.sync("2026-05-06")
    row = tracker_row(audit, ref)
    assert row["Consent evidence"] == staff_text(header, value, said, "2026-05-06")
    assert row[header] == value and row["Consent date"].startswith("2026-05-06")
    log = audit.tab_text("Change log")["Change log"]
    assert staff_text(header, value, said, "2026-05-06") in log
    kept = audit.tab_text("Tracker", "_destsync_base")
    for day in ("2026-05-07", "2026-05-08", "2026-05-09"):
        out, _ = audit.sync(day, "--json")
        summary = json.loads(out)
        assert (summary["cells_updated"], summary["rows_added"]) == (0, 0), day
        assert audit.tab_text("Tracker", "_destsync_base") == kept

    out_file = audit.tmp / "sar.json"
    code, _, err = audit.cli("subject-access", "--config", str(audit.config), "--ref", ref,
                             "--out", str(out_file))
    assert code == 0, err
    consent = json.loads(out_file.read_text(encoding="utf-8"))["consent"]
    assert (consent["channel"], consent["state"]) == ("staff", said)
    page = out_file.with_suffix(".html").read_text(encoding="utf-8")
    assert "<th scope=\"row\">Channel</th><td>staff</td>" in page
    assert "not applicable: recorded by staff" in page


def test_a_staff_yes_alone_emails_no_one_unless_the_trust_counts_it(audit: Audit) -> None:
    first_run(audit)
    set_cell(audit.tracker, SILENT, "Consent", "Yes")
    set_cell(audit.tracker, SILENT, "Personal email", "priya.paper.1077@example.org")
    audit.sync("2026-05-06")

    def mailed(ref: str = SILENT) -> bool:  # the student themselves (not Form B to parents)
        return any(str(m["X-Destsync-Key"]).startswith(f"autumn_check/2026/{ref}/")
                   for m in audit.mails())

    audit.sync("2026-09-01")  # the autumn check
    assert not mailed()
    assert mailed(ANSWERED)  # the campaign itself went
    text = audit.config.read_text(encoding="utf-8")
    audit.config.write_text(text.replace("[trust]\n", "[trust]\nstaff_consent_contacts = true\n",
                                         1), encoding="utf-8")
    audit.sync("2026-09-02")
    assert mailed()


def test_on_the_workbook_the_stop_link_is_recorded_via_stop_link(audit: Audit) -> None:
    from destsync.domain.answers import STOP_ANSWER
    from tests.e2e.test_privacy_audit import answer

    first_run(audit)
    audit.add("2026/05/10 10:00:00 AM GMT", **answer(ANSWERED, "Grace Quayle", "08/02/2009",
                                                     "", "", STOP_ANSWER))
    audit.sync("2026-05-11")
    evidence = tracker_row(audit, ANSWERED)["Consent evidence"]
    assert evidence.startswith("withdrawn via stop link, wording v"), evidence


@pytest.mark.slow
def test_on_the_emulator_staff_edits_are_recorded_via_staff_and_three_syncs_keep_them(
        remote: RemoteSchool) -> None:
    from tests.emulator.a1 import cell_name

    remote.setup()
    remote.submit_csv_responses()
    remote.sync("2026-11-02")
    rows = remote.tracker()
    yes = [r for r, row in rows.items() if row["Consent"] == "Yes"]
    blank = [r for r, row in rows.items() if row["Consent"] == ""]
    assert len(yes) >= 3 and blank
    chosen = {blank[0]: EDITS[0], yes[0]: EDITS[1], yes[1]: EDITS[2], yes[2]: EDITS[3]}
    values = remote.sheets.values(SHEET_ID, "Tracker")
    for ref, (header, value, _) in chosen.items():
        r = next(i for i, v in enumerate(values) if v and v[0] == ref)
        remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(r, values[0].index(header)),
                                value)
    remote.sync("2026-11-03")
    rows = remote.tracker()
    for ref, (header, value, said) in chosen.items():
        assert rows[ref]["Consent evidence"] == staff_text(header, value, said, "2026-11-03")
        assert rows[ref][header] == value
    log = [e for e in remote.tab("Change log") if e.get("Source") == "staff"]
    assert {e["Ref"] for e in log} >= set(chosen), log
    for day in ("2026-11-04", "2026-11-05", "2026-11-06"):
        summary = remote.sync(day)
        assert (summary["cells_updated"], summary["rows_added"]) == (0, 0), day
        assert remote.tracker() == rows
