"""`destsync subject-access`: everything held about one student, from the real workbook
(and from the Sheets emulator), written readable by its owner only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.conftest import School
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)


def staff_note(tracker: Path, ref: str, text: str) -> None:
    wb = openpyxl.load_workbook(tracker)
    ws = wb["Tracker"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == ref)
    row[header.index("Notes")].value = text
    wb.save(tracker)


def test_everything_about_one_student_in_one_private_file(school: School,
                                                           tmp_path: Path) -> None:
    school.sync("2026-11-02")
    ref = f"OAK-{school.roster()[0]['Admission number']}"
    staff_note(school.tracker, ref, "Met at results day; follow up in spring")
    # An answer after the row exists, so the Change log has something to say about it.
    school.add_response("2026/11/03 10:00:00 AM GMT", reference=ref, name="Robin Newcombe",
                        leaving_year="2026", destination="College", provider="Example College",
                        consent="Yes")
    school.sync("2026-11-04")
    out = tmp_path / "sar.json"
    code, stdout, err = school.cli("subject-access", "--config", str(school.config),
                                   "--ref", ref, "--out", str(out))
    assert code == 0, err
    assert ref in stdout and "@" not in stdout  # the summary names no one
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["subject"] == ref
    row = record["tracker_row"]
    assert row["Ref"] == ref and row["Forename"] and row["Date of birth"]
    assert row["Notes"] == "Met at results day; follow up in spring"  # staff's words too
    assert record["form_a_responses"], "the answers the student gave"
    first = record["form_a_responses"][0]
    assert first["answers"] and first["outcome"] in ("tracker", "superseded")
    assert all(e["Ref"] == ref for e in record["change_log"])
    assert record["change_log"], "what destsync changed in the row"
    # Nothing about anyone else: every other Ref in the tracker is absent.
    others = {r for r in json.dumps(record).split('"') if r.startswith("OAK-") and r != ref}
    assert not [o for o in others if o.split("-")[1].isdigit()]


def test_an_unknown_ref_is_one_line_and_writes_nothing(school: School, tmp_path: Path) -> None:
    school.sync("2026-11-02")
    out = tmp_path / "sar.json"
    code, _, err = school.cli("subject-access", "--config", str(school.config),
                              "--ref", "OAK-9999", "--out", str(out))
    assert code == 2 and err.startswith("error: ") and "OAK-9999" in err
    assert not out.exists()


@pytest.mark.slow
def test_the_same_request_works_on_the_google_backend(remote: RemoteSchool,
                                                      tmp_path: Path) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.sync()
    with_answer = [r for r in remote.tab("_destsync_responses") if r["Outcome"] == "tracker"]
    ref = with_answer[0]["Ref"]
    out = tmp_path / "sar.json"
    code, _, err = remote.cli("subject-access", "--config", str(remote.config),
                              "--ref", ref, "--out", str(out))
    assert code == 0, err
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["tracker_row"]["Ref"] == ref
    assert record["form_a_responses"] and record["change_log"] is not None
