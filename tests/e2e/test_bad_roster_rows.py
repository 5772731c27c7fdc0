"""A bad roster row is a Review item and the rest of the roster loads."""

from __future__ import annotations

import csv

import openpyxl

from tests.e2e.conftest import School


def _spoil(school: School) -> tuple[str, str]:
    path = school.folder / "roster.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["Date of birth"] = "31/02/2008"
    rows[1]["Leaving year"] = "20x6"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return f"OAK-{rows[0]['Admission number']}", f"OAK-{rows[1]['Admission number']}"


def test_a_bad_roster_row_goes_to_review_and_the_rest_load(school: School) -> None:
    no_dob, no_year = _spoil(school)
    summary = school.sync()
    assert summary["rows_added"] > 10
    wb = openpyxl.load_workbook(school.tracker)
    rows = [list(r) for r in wb["Review"].iter_rows(values_only=True)]
    head = rows[0]
    review = [dict(zip(head, r, strict=False)) for r in rows[1:]]
    review = [r for r in review if r["Kind"] == "Roster problem"]
    assert sorted(str(r["Ref"]) for r in review) == sorted([no_dob, no_year])
    text = " ".join(str(r["What to do"]) for r in review)
    assert "line 2" in text and "line 3" in text and "31/02/2008" not in text
    refs = {r[0] for r in wb["Tracker"].iter_rows(min_row=2, values_only=True)}
    assert no_dob in refs
    again = school.sync("2026-11-03")
    assert again["review_items"] == 0  # raised once
    code, out, _ = school.cli("check", "--config", str(school.config))
    assert code == 0 and "line 2: the date of birth cannot be read" in out
