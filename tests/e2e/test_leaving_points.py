"""Leaving points through the real CLI, on a workbook and on the Workspace emulator: Year 11
leavers through the September Guarantee (30 September) and the local authority's
1 November activity survey, and a sixth-former who left in February. The demo school's
Year 13 leavers share the tracker and must not be counted with them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl

from tests.e2e.conftest import School
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.emulator.a1 import cell_name

# Invented students added to the demo roster: three Year 11 leavers of 2026 and one
# sixth-former the MIS still shows leaving in 2027, who left on 10 February 2026.
ADDED = [
    ("9001", "Ada", "Y11", "2026", "Year 11", ""),
    ("9002", "Bea", "Y11", "2026", "Year 11", ""),
    ("9003", "Cal", "Y11", "2026", "Y11", ""),
    ("9004", "Dee", "Midyear", "2027", "Mid-year", "10/02/2026"),
]
ADA, BEA, CAL, DEE = (f"OAK-{a[0]}" for a in ADDED)
Y11 = (ADA, BEA, CAL)
NEW_COLUMNS = ("Leaving point", "Left on", "September Guarantee offer", "Offer date")


def add_leavers(folder: Path) -> None:
    """The demo roster with the two optional columns and the students above."""
    path = folder / "roster.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = [*rows[0].keys(), "Leaving point", "Left on"]
    for adm, forename, surname, year, point, left in ADDED:
        rows.append({"Admission number": adm, "Forename": forename, "Surname": surname,
                     "Date of birth": "01/03/2010", "Leaving year": year,
                     "Parent/carer email": f"parent{adm}@example.org", "Section 72 opt-out": "",
                     "Year group": "", "Leaving point": point, "Left on": left})
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, restval="")
        w.writeheader()
        w.writerows(rows)


def answer(ref: str, destination: str, provider: str) -> dict[str, str]:
    return {"reference": ref, "name": "x", "destination": destination, "provider": provider,
            "consent": "Yes", "email": f"{ref.lower()}@example.org"}


def check_journey(tracker: Any, returns: Any, sync: Any, submit: Any, type_offer: Any) -> None:
    """The steps and what each must show; the callables hide the backend."""
    submit(answer(DEE, "Apprenticeship", "Example Builders"), "2026-03-01")
    sync("2026-06-01")
    rows = tracker()
    assert [rows[r]["Leaving point"] for r in (*Y11, DEE)] == ["Year 11"] * 3 + ["Mid-year"]
    assert rows[DEE]["Left on"] == "2026-02-10"
    assert rows[DEE]["Leaving year"] == "2026"  # the year they left in, not the MIS's 2027
    # After leaving, their answer is what they do: the actual columns, not the plan.
    assert rows[DEE]["Actual destination"] == "Apprenticeship"
    assert rows[DEE]["Intended destination"] == ""
    year13 = [r for r, row in rows.items() if row["Leaving year"] == "2026" and
              r not in (*Y11, DEE)]
    assert year13 and all(rows[r]["Leaving point"] == "" for r in year13)

    sync("2026-09-01")  # past 31 August: the mid-year return
    mid = [r for r in returns() if r["Checkpoint"] == "Mid-year leavers: where they went"]
    assert [(r["Ref"], r["Destination"], r["Note"]) for r in mid] == [
        (DEE, "Apprenticeship", "Left on 2026-02-10")]

    type_offer(ADA, "Riverside College", "2026-09-10")
    sync("2026-10-01")  # past 30 September: the September Guarantee return
    sg = {r["Ref"]: r for r in returns()
          if r["Checkpoint"] == "Year 11: September Guarantee offer"}
    assert sorted(sg) == sorted(Y11)
    assert (sg[ADA]["Provider / employer"], sg[ADA]["Note"]) == (
        "Riverside College", "Offer recorded 2026-09-10")
    assert sg[BEA]["Note"] == sg[CAL]["Note"] == "No September Guarantee offer recorded"
    # Year 13's intended return (frozen this run too) holds no Year 11 or mid-year leaver.
    intended = [r["Ref"] for r in returns() if r["Checkpoint"] == "Intended destination"
                and r["Leaving year"] == "2026"]
    assert intended and not set(intended) & {*Y11, DEE}

    submit(answer(BEA, "College", "Example College"), "2026-10-20")
    sync("2026-11-02")  # past 1 November: the activity survey as it reads
    nov = {r["Ref"]: r for r in returns() if r["Checkpoint"] == "Year 11: activity on 1 November"}
    assert sorted(nov) == sorted(Y11)
    assert (nov[BEA]["Destination"], nov[BEA]["Provider / employer"]) == (
        "College", "Example College")
    # No route to Ada or Cal, and contact ends six weeks after results day: 820.
    assert nov[ADA]["NCCIS code"] == nov[CAL]["NCCIS code"] == "820"


def metrics_of(rows: list[dict[str, str]], checkpoint: str) -> dict[str, str]:
    return next(r for r in rows if r["Checkpoint"] == checkpoint and r["Leaving year"] == "2026")


def check_metrics(metrics: list[dict[str, str]], rows: dict[str, dict[str, str]]) -> None:
    sg = metrics_of(metrics, "Year 11: September Guarantee offer")
    assert (sg["Leavers"], sg["Known"], sg["% known"]) == ("3", "1", "33.3%")
    nov = metrics_of(metrics, "Year 11: activity on 1 November")
    assert (nov["Leavers"], nov["820 Cannot be contacted"], nov["Known"]) == ("3", "2", "1")
    mid = metrics_of(metrics, "Mid-year leavers: where they went")
    assert (mid["Leavers"], mid["Known"]) == ("1", "1")
    y13 = metrics_of(metrics, "Intended destination")
    # Year 13's figures count the demo school's leavers of 2026 alone.
    assert int(y13["Leavers"]) == sum(1 for row in rows.values() if row["Leaving year"] == "2026"
                                      and row["Leaving point"] == "") >= 12


def xlsx_block(path: Path, tab: str) -> list[dict[str, str]]:
    ws = openpyxl.load_workbook(path)[tab]
    values = [["" if v is None else str(v)[:10] if hasattr(v, "isoformat") else str(v)
               for v in r] for r in ws.iter_rows(values_only=True)]
    return [dict(zip(values[0], r, strict=False)) for r in values[1:] if any(r)]


def test_year_11_and_mid_year_leavers_on_a_workbook(school: School) -> None:
    add_leavers(school.folder)

    def submit(answers: dict[str, str], day: str) -> None:
        school.add_response(day.replace("-", "/") + " 10:00:00 AM GMT", **answers)

    def type_offer(ref: str, provider: str, day: str) -> None:
        wb = openpyxl.load_workbook(school.tracker)
        ws = wb["Tracker"]
        headers = [c.value for c in ws[1]]
        r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == ref)
        ws.cell(r, headers.index("September Guarantee offer") + 1).value = provider
        ws.cell(r, headers.index("Offer date") + 1).value = day
        wb.save(school.tracker)

    check_journey(lambda: {r["Ref"]: r for r in xlsx_block(school.tracker, "Tracker")},
                  lambda: xlsx_block(school.tracker, "Returns"),
                  school.sync, submit, type_offer)
    check_metrics(xlsx_block(school.tracker, "Metrics"),
                  {r["Ref"]: r for r in xlsx_block(school.tracker, "Tracker")})
    # Form B went to sixth-formers' parents only, never to a Year 11 or mid-year family.
    letters = "".join(p.read_text(encoding="utf-8", errors="replace")
                      for p in (school.folder / "outbox").rglob("*.eml"))
    assert ".parent@example.org" in letters  # the demo school's parents had theirs
    assert not any(f"parent{a[0]}@example.org" in letters for a in ADDED)

    out = school.folder / "la-y11.csv"
    code, _, err = school.cli("la-export", "--config", str(school.config), "--cohort", "2026",
                              "--leaving-point", "year11", "--out", str(out))
    assert code == 0, err
    with out.open(encoding="utf-8-sig") as fh:
        la = {r["School reference"]: r for r in csv.DictReader(fh)}
    assert sorted(la) == sorted(Y11)
    assert (la[BEA]["Activity"], la[ADA]["Activity code"]) == ("College", "820")

    report = school.folder / "report"
    code, _, err = school.cli("report", "--config", str(school.config), "--now", "2026-11-02",
                              "--out", str(report))
    assert code == 0, err
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "Actual destination: Year 11 leavers of 2026" in html
    assert "September Guarantee: Year 11 leavers of 2026" in html
    assert "Ada" not in html and "Riverside" not in html  # anonymised: counts only
    with (report / "report.csv").open(encoding="utf-8-sig") as fh:
        cells = {(r["checkpoint"], r["measure_group"]): r["count"] for r in csv.DictReader(fh)
                 if r["leaving_year"] == "2026" and r["academy"].startswith("Oakfield")}
    # Three Year 11 leavers: under 6, so withheld whole, as any small cohort is.
    assert cells[("year11:offer", "All leavers")] == cells[("year11:actual", "All leavers")] == "c"
    assert cells[("actual", "All leavers")] != "c"  # Year 13's figures as before


def test_year_11_and_mid_year_leavers_on_the_emulator(remote: RemoteSchool) -> None:
    # A sheet set up before leaving points: without the four columns it syncs as it did
    # (the roster has no Year 11 yet); `setup` then adds them, at the end.
    remote.setup()
    book = remote.sheets.book(SHEET_ID)
    sheet = book.sheet_by_title("Tracker")
    for name in NEW_COLUMNS[::-1]:
        at = remote.sheets.values(SHEET_ID, "Tracker")[0].index(name)
        book.delete_dimension(sheet, "COLUMNS", at, at + 1)
    remote.sync("2026-05-01")
    assert not set(NEW_COLUMNS) & set(remote.sheets.values(SHEET_ID, "Tracker")[0])
    add_leavers(remote.folder)
    remote.setup()
    header = remote.sheets.values(SHEET_ID, "Tracker")[0]
    assert header[-4:] == list(NEW_COLUMNS)
    remote.submit_csv_responses()
    n = [0]

    def submit(answers: dict[str, str], day: str) -> None:
        n[0] += 1
        remote.submit(answers, f"{day}T10:00:00.000000Z", f"leaving-{n[0]}")

    def type_offer(ref: str, provider: str, day: str) -> None:
        values = remote.sheets.values(SHEET_ID, "Tracker")
        row = next(i for i, v in enumerate(values) if v and v[0] == ref)
        for col, value in (("September Guarantee offer", provider), ("Offer date", day)):
            remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(row, values[0].index(col)),
                                    value)

    check_journey(remote.tracker, lambda: remote.tab("Returns"), remote.sync, submit,
                  type_offer)
    check_metrics(remote.tab("Metrics"), remote.tracker())


def test_a_tracker_without_the_new_columns_syncs_as_before(school: School,
                                                          tmp_path: Path) -> None:
    # An older workbook: made without the four optional columns. A Year 11 roster still
    # syncs, nothing is written where a column is missing, a second run changes nothing.
    school.sync("2026-06-01")
    wb = openpyxl.load_workbook(school.tracker)
    ws = wb["Tracker"]
    for name in NEW_COLUMNS:
        headers = [c.value for c in ws[1]]
        ws.delete_cols(headers.index(name) + 1)
    wb.save(school.tracker)
    add_leavers(school.folder)
    summary = school.sync("2026-06-02")
    assert (summary["cells_updated"], summary["review_items"]) == (0, 2)
    missing = [r for r in xlsx_block(school.tracker, "Review") if r["Kind"] == "Missing column"]
    assert sorted(r["Field"] for r in missing) == ["Leaving point", "Left on"]
    before = school.tracker.read_bytes()
    assert school.sync("2026-06-02")["cells_updated"] == 0
    assert school.tracker.read_bytes() == before
    # `setup` adds them after the last column; the next sync fills them from the roster.
    code, _, err = school.cli("setup", "--config", str(school.config))
    assert code == 0, err
    assert [c.value for c in openpyxl.load_workbook(school.tracker)["Tracker"][1]][-4:] == list(
        NEW_COLUMNS)
    school.sync("2026-06-03")
    rows = {r["Ref"]: r for r in xlsx_block(school.tracker, "Tracker")}
    assert (rows[ADA]["Leaving point"], rows[DEE]["Left on"]) == ("Year 11", "2026-02-10")
