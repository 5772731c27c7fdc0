"""A corpus of bad answers: none stops the run, none becomes a formula, none is lost."""

from __future__ import annotations

import csv
import zipfile

import openpyxl

from tests.e2e.conftest import School

HOSTILE = [
    '=HYPERLINK("http://evil.example.org","click")',
    "+1-2",
    "-1+1",
    "@SUM(A1:A2)",
    "\tindented",
    "ctrl\x00chars\x07here\x1b[31m",
    "Bcc: someone@example.org\r\nSubject: hi",
    "🎓🚀✨",
    "x" * 10_000,
    "Łukasz Ó Briain-Nguyễn",
    "",
]


def test_hostile_answers_are_kept_inert_and_every_response_is_accounted_for(
    school: School,
) -> None:
    base = school.sync()
    n_before = base["responses_read"]
    refs = [f"OAK-{r['Admission number']}" for r in school.roster()]
    for i, text in enumerate(HOSTILE):
        school.add_response(
            f"2026/11/1{i % 9} 10:{i:02d}:00 AM GMT",
            reference=refs[i] if i % 2 else "",
            name=text or "Robin Newcombe",
            dob=text or "03/03/2008",
            leaving_year="2026",
            email=text,
            phone=text,
            destination=text or "University",
            course=text,
            level=text,
            provider=text,
            start_date=text,
            duration=text,
            consent="Yes",
        )
    school.add_response(
        "2026/11/19 10:00:00 AM GMT",
        reference=refs[1],
        name="Dup",
        destination="College",
        consent="Yes",
    )
    school.add_response(
        "2026/11/19 10:00:00 AM GMT",
        reference=refs[1],
        name="Dup",
        destination="College",
        consent="Yes",
    )  # a double-click
    with school.responses.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow([])  # an empty row is not a response
    summary = school.sync("2026-11-20")
    assert summary["responses_read"] == n_before + len(HOSTILE) + 2

    wb = openpyxl.load_workbook(school.tracker)
    xml = "".join(
        zipfile.ZipFile(school.tracker).read(n).decode()
        for n in zipfile.ZipFile(school.tracker).namelist()
        if n.startswith("xl/worksheets/")
    )
    assert "<f>" not in xml  # no formula anywhere in the workbook
    outcomes = {
        str(r[0]): str(r[2])
        for r in wb["_destsync_responses"].iter_rows(min_row=2, values_only=True)
    }
    assert len(outcomes) == summary["responses_read"]
    review = [list(r) for r in wb["Review"].iter_rows(values_only=True)]
    rid_col = review[0].index("Response ID")
    reviewed = {str(r[rid_col]) for r in review[1:] if r[rid_col]}
    for rid, outcome in outcomes.items():
        assert outcome in ("tracker", "superseded", "review")
        if outcome == "review":
            assert rid in reviewed
    texts = [
        str(v)
        for ws in (wb["Tracker"], wb["Review"])
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str)
    ]
    assert not any(ch in t for t in texts for ch in "\x00\x07\x1b")
    assert max(len(t) for t in texts) <= 600  # 10,000-character answers are truncated
