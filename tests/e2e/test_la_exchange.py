"""The local-authority exchange through the real CLI on a workbook tracker: export, then
import the same file back (only validation changes), opt-outs, and bad files."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.e2e.conftest import School, expect_one_line_error
from tests.e2e.emulated import (  # noqa: F401 - the fixtures, by name
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
    xlsx_records,
)
from tests.e2e.test_metrics_tab import records, xlsx_tab

VALIDATION = {"Validated", "Validated by", "Validator (person or role)", "Validated on"}
BASIC = {"School reference", "Forename", "Surname", "Date of birth", "Leaving year"}


def export(school: School, out: Path) -> list[dict[str, str]]:
    code, _, err = school.cli("la-export", "--config", str(school.config), "--cohort", "2026",
                              "--out", str(out))
    assert code == 0, err
    with out.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_an_export_imported_back_changes_only_validation(school: School,
                                                         tmp_path: Path) -> None:
    school.sync("2026-12-02")
    before = xlsx_records(school.tracker)
    rows = export(school, tmp_path / "la.csv")
    opted = {ref for ref, r in before.items()
             if r["LA sharing opt-out (s72)"] == "Yes" and r["Leaving year"] == "2026"}
    assert opted, "the sample school has students who opted out of sharing"
    for r in rows:
        if r["School reference"] in opted:  # the identifying fields only
            assert {k for k, v in r.items() if v} <= BASIC

    code, out, err = school.cli("la-import", "--config", str(school.config), "--now",
                                "2026-12-03", str(tmp_path / "la.csv"))
    assert code == 0, err
    after = xlsx_records(school.tracker)
    changed = {(ref, h) for ref, row in after.items() for h, v in row.items()
               if before[ref][h] != v}
    assert changed and {h for _, h in changed} == VALIDATION
    validated = {ref for ref, h in changed if h == "Validated"}
    assert all(after[ref]["Validated by"] == "Local authority" for ref in validated)
    # Only leavers whose activity is the Actual one, with a code the file agrees on.
    assert all(after[ref]["Actual NCCIS code"] for ref in validated)
    assert not validated & opted  # their file rows carry no activity to agree with
    log = [r for r in records(xlsx_tab(school.tracker, "Change log"))
           if r["Field"] == "Validated"]
    assert len(log) == len(validated)
    assert all(r["Note"].startswith("validated by the local authority") for r in log)
    assert f"{len(validated)} leavers validated" in out

    # The same file again: nothing left to change, nothing written.
    stamp = school.tracker.stat().st_mtime_ns
    assert school.cli("la-import", "--config", str(school.config), "--now", "2026-12-03",
                      str(tmp_path / "la.csv"))[0] == 0
    assert school.tracker.stat().st_mtime_ns == stamp


def test_bad_rows_land_on_review_and_a_file_without_references_stops(
    school: School, tmp_path: Path
) -> None:
    school.sync("2026-12-02")
    ref = sorted(xlsx_records(school.tracker))[0]
    bad = tmp_path / "bad.csv"
    bad.write_text("School reference,Activity code,Start date,Date confirmed,Shoe size\n"
                   f"{ref},9999,,,\nNOBODY-1,240,,,\n{ref},=1+1,not a date,,\n",
                   encoding="utf-8")
    code, _, err = school.cli("la-import", "--config", str(school.config), "--now",
                              "2026-12-03", str(bad))
    assert code == 0, err
    review = [r for r in records(xlsx_tab(school.tracker, "Review"))
              if r["Kind"] == "Local authority"]
    assert sorted(r["Field"] for r in review) == [
        "Activity code", "Activity code", "School reference", "Shoe size"]
    assert any(r["Value from form"] == "=1+1" for r in review)  # stored as inert text

    before = school.tracker.read_bytes()
    nameless = tmp_path / "nameless.csv"
    nameless.write_text("Pupil,Activity code\nX,240\n", encoding="utf-8")
    code, _, err = school.cli("la-import", "--config", str(school.config), str(nameless))
    expect_one_line_error(code, err, "'School reference'", "local_authority.columns.ref")
    assert school.tracker.read_bytes() == before


def test_the_round_trip_on_google_sheets_changes_only_validation(
    remote: RemoteSchool, tmp_path: Path
) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.sync("2026-12-02")
    before = remote.tracker()
    out = tmp_path / "la.csv"
    assert remote.cli("la-export", "--config", str(remote.config), "--cohort", "2026",
                      "--out", str(out))[0] == 0
    code, _, err = remote.cli("la-import", "--config", str(remote.config), "--now",
                              "2026-12-03", str(out))
    assert code == 0, err
    after = remote.tracker()
    changed = {h for ref, row in after.items() for h, v in row.items() if before[ref][h] != v}
    assert changed == VALIDATION
