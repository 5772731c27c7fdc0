"""The local-authority export: one row per leaver, the current activity's code, and only
the identifying fields for a student who opted out of sharing."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from destsync.domain.la_export import LA_COLUMNS, current_activity, la_table
from destsync.entrypoints.cli import main
from destsync.service.la_output import la_csv

ROOT = Path(__file__).resolve().parents[2]
BASIC = [c.header for c in LA_COLUMNS if c.basic]


def leaver(ref: str, **kw: str) -> dict[str, str]:
    return {"ref": ref, "forename": "Testname", "surname": "Example", "dob": "2008-01-01",
            "leaving_year": "2026", **kw}


def by_ref(table: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *rows = table
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows}


def test_the_latest_known_activity_is_the_current_one() -> None:
    row = leaver("OAK-1", actual_destination="College", actual_nccis="230",
                 actual_start_date="2026-09-15", actual_updated="2026-10-02T10:00:00",
                 actual_provider="Example College", actual_level="Level 3",
                 year1_destination="Cannot be contacted", year1_nccis="820")
    assert current_activity(row) == "actual"  # a not-known code is not an activity
    got = by_ref(la_table([row], 2026))["OAK-1"]
    assert (got["Activity code"], got["Start date"], got["Date confirmed"], got["Provider"],
            got["Level"]) == ("230", "2026-09-15", "2026-10-02", "Example College", "Level 3")


def test_nothing_known_is_sent_as_the_not_known_code_recorded_or_810() -> None:
    rows = [leaver("OAK-1"), leaver("OAK-2", actual_destination="Refused to disclose activity",
                                    actual_nccis="830"),
            leaver("OAK-3", intended_destination="University", intended_nccis="240")]
    got = by_ref(la_table(rows, 2026))
    assert [got[r]["Activity code"] for r in ("OAK-1", "OAK-2", "OAK-3")] == [
        "810", "830", "810"]  # an intended destination is not an activity


def test_an_opted_out_student_gets_the_identifying_fields_only() -> None:
    rows = [leaver("OAK-1", s72_opt_out="Yes", actual_destination="University",
                   actual_nccis="240", actual_provider="Example University"),
            leaver("OAK-2", actual_destination="University", actual_nccis="240"),
            leaver("OAK-9", leaving_year="2025")]
    got = by_ref(la_table(rows, 2026))
    assert sorted(got) == ["OAK-1", "OAK-2"]  # this cohort only
    assert {h for h, v in got["OAK-1"].items() if v} == set(BASIC)
    assert got["OAK-2"]["Activity code"] == "240"


def test_formula_like_text_is_made_inert() -> None:
    row = leaver("OAK-1", forename="=HYPERLINK(\"http://x\")", actual_destination="College",
                 actual_nccis="230", actual_provider="+cmd")
    text = la_csv(la_table([row], 2026))
    assert "'=HYPERLINK" in text and "'+cmd" in text


def test_la_export_on_the_sample_school(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    cfg = tmp_path / "config" / "example.toml"
    text = cfg.read_text(encoding="utf-8").replace('"../output/', f'"{tmp_path}/output/')
    cfg.write_text(text, encoding="utf-8")
    assert main(["sync", "--config", str(cfg), "--now", "2026-11-22"]) == 0
    out = tmp_path / "la.csv"
    assert main(["la-export", "--config", str(cfg), "--cohort", "2026", "--out", str(out)]) == 0
    assert "leavers of 2026" in capsys.readouterr().out
    assert os.stat(out).st_mode & 0o077 == 0  # personal data: the owner's only
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert rows and all(r["Leaving year"] == "2026" for r in rows)
    assert all(r["Activity code"].isdigit() for r in rows)
