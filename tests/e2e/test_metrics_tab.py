"""The trust's Metrics tab on both backends: rebuilt every run inside the tracker's own
write, figures recounted by hand from the Tracker tab, and one shared tab that several
academies' runs fill, each replacing only its own rows."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from destsync.domain.layout import canonical
from destsync.domain.metrics import METRICS_HEADERS
from destsync.entrypoints.cli import main
from destsync.entrypoints.demo import write_school
from tests.e2e.conftest import School
from tests.e2e.emulated import (  # noqa: F401 - the fixtures, by name
    CONFIG,
    FORM_ID,
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.emulator import Emulator

ACTUAL = "Actual destination (unvalidated)"


def xlsx_tab(path: Path, tab: str) -> list[list[str]]:
    ws = openpyxl.load_workbook(path, read_only=True)[tab]
    return [[canonical(v) for v in r] for r in ws.iter_rows(values_only=True)
            if any(v not in (None, "") for v in r)]


def records(block: list[list[Any]]) -> list[dict[str, str]]:
    header = [str(h) for h in block[0]]
    return [{h: canonical(r[i]) if i < len(r) else "" for i, h in enumerate(header)}
            for r in block[1:]]


def hand_count(tracker: list[dict[str, str]], year: str) -> dict[str, str]:
    """The Actual columns of one cohort, counted straight from the Tracker tab."""
    cohort = [r for r in tracker if r["Leaving year"] == year]
    codes = Counter(r["Actual NCCIS code"] for r in cohort)
    blank = sum(1 for r in cohort if not r["Actual destination"])
    known = sum(1 for r in cohort if r["Actual destination"]
                and r["Actual NCCIS code"] not in ("810", "820", "830")
                and r["Actual NCCIS code"])  # a label without a code is not captured
    return {"Leavers": str(len(cohort)), "810 Situation not known": str(codes["810"]),
            "820 Cannot be contacted": str(codes["820"]),
            "830 Refused to disclose": str(codes["830"]),
            "No destination recorded": str(blank), "Known": str(known),
            "% known": f"{100 * known / len(cohort):.1f}%"}


def row_for(metrics: list[dict[str, str]], code: str, year: str, cp: str) -> dict[str, str]:
    [row] = [r for r in metrics if (r["Academy"], r["Leaving year"], r["Checkpoint"])
             == (code, year, cp)]
    return row


def replay(school: School, dates: list[str]) -> None:
    """Sync on each date with the Form A export as it stood then (as ``destsync demo``)."""
    full = school.responses.read_text(encoding="utf-8")
    header, *rows = list(csv.reader(full.splitlines(keepends=True)))
    for d in dates:
        kept = [r for r in rows if not r or r[0][:10] <= d.replace("-", "/")]
        with school.responses.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *kept])
        school.sync(d)
    school.responses.write_text(full, encoding="utf-8")


def test_the_workbook_metrics_tab_matches_a_hand_count_and_is_rebuilt(school: School) -> None:
    # Through the autumn check: attempts on 20 August, 3 and 24 September, then its grace.
    replay(school, ["2026-08-20", "2026-09-03", "2026-09-24", "2026-10-22", "2026-12-02"])
    metrics = records(xlsx_tab(school.tracker, "Metrics"))
    tracker = records(xlsx_tab(school.tracker, "Tracker"))
    got = row_for(metrics, "OAK", "2026", ACTUAL)
    expected = hand_count(tracker, "2026")
    assert {k: got[k] for k in expected} == expected
    # Leavers who never answered after every attempt are not known, and counted apart.
    assert int(expected["820 Cannot be contacted"]) + int(expected["810 Situation not known"])
    assert (got["Frozen on"], got["Deadline"]) == ("", "2026-12-31")
    # The 2025 leavers' returns were frozen by the first run, long after their deadlines;
    # the 2026 intended one on time, by the run after its deadline.
    assert row_for(metrics, "OAK", "2025", ACTUAL)["Late"] == "Yes"
    intended = row_for(metrics, "OAK", "2026", "Intended destination")
    assert (intended["Frozen on"], intended["Late"]) == ("2026-09-24", "No")

    # A second run at the same date changes nothing, the Metrics tab included.
    stamp = school.tracker.stat().st_mtime_ns
    assert school.sync("2026-12-02")["cells_updated"] == 0
    assert school.tracker.stat().st_mtime_ns == stamp

    # A person's edit to the tab is not kept: the figures are rebuilt from the tracker.
    wb = openpyxl.load_workbook(school.tracker)
    wb["Metrics"].cell(row=2, column=7).value = 9999
    wb["Metrics"].append(["OAK", "1999", "Made up"])
    wb.save(school.tracker)
    school.sync("2026-12-02")
    assert records(xlsx_tab(school.tracker, "Metrics")) == metrics


TWO_ACADEMIES = """\
[trust]
name = "Example Learning Trust"

[metrics]
path = "trust-metrics.xlsx"
tab = "CEIAG Metrics"

{academies}
"""
ACADEMY = """\
[[academies]]
code = "{code}"
name = "{code} Academy (example)"
careers_email = "careers@{low}.example.org"
responses = {{ backend = "csv", path = "{low}/form-a-responses.csv" }}
roster = {{ path = "{low}/roster.csv" }}
tracker = {{ backend = "xlsx", path = "{low}/tracker.xlsx" }}
"""


def run(config: Path, now: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["sync", "--config", str(config), "--now", now, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_two_academies_fill_one_shared_workbook_each_its_own_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for seed, low in ((11, "oak"), (12, "elm")):
        write_school(tmp_path / low, seed=seed, per_cohort=8, until=date(2026, 11, 1))
    both = tmp_path / "trust.toml"
    only_elm = tmp_path / "elm-task.toml"  # as a second Cloud Run task would run it
    both.write_text(TWO_ACADEMIES.format(academies="\n".join(
        ACADEMY.format(code=c, low=c.lower()) for c in ("OAK", "ELM"))), encoding="utf-8")
    only_elm.write_text(TWO_ACADEMIES.format(academies=ACADEMY.format(code="ELM", low="elm")),
                        encoding="utf-8")
    run(both, "2026-12-02", capsys)
    shared = tmp_path / "trust-metrics.xlsx"
    table = xlsx_tab(shared, "CEIAG Metrics")
    assert table[0] == list(METRICS_HEADERS)
    assert {r[0] for r in table[1:]} == {"OAK", "ELM"}
    for code in ("OAK", "ELM"):  # each academy's figures are its own tracker's
        mine = row_for(records(table), code, "2026", ACTUAL)
        expected = hand_count(records(xlsx_tab(tmp_path / code.lower() / "tracker.xlsx",
                                                "Tracker")), "2026")
        assert {k: mine[k] for k in expected} == expected
    # The tracker's own Metrics tab stays empty: the figures went to the trust's file.
    assert xlsx_tab(tmp_path / "oak" / "tracker.xlsx", "Metrics") == [list(METRICS_HEADERS)]

    # OAK's rows as another run left them; ELM's run replaces its own rows only.
    wb = openpyxl.load_workbook(shared)
    ws = wb["CEIAG Metrics"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == "OAK":
            ws.cell(row=r, column=7).value = 1234  # a marker no run would write
        else:
            ws.cell(row=r, column=7).value = 0
    wb.save(shared)
    run(only_elm, "2026-12-02", capsys)
    after = xlsx_tab(shared, "CEIAG Metrics")
    assert [r for r in after if r[0] == "OAK"] == [
        [*r[:6], "1234", *r[7:]] for r in table if r[0] == "OAK"]
    assert [r for r in after if r[0] == "ELM"] == [r for r in table if r[0] == "ELM"]
    # Nothing changed since: the shared workbook is not written again.
    stamp = shared.stat().st_mtime_ns
    run(only_elm, "2026-12-02", capsys)
    assert shared.stat().st_mtime_ns == stamp


def test_the_google_metrics_tab_is_the_workbooks_and_costs_no_extra_call(
    remote: RemoteSchool, capsys: pytest.CaptureFixture[str]
) -> None:
    remote.setup()
    remote.submit_csv_responses()
    first = remote.sync("2026-12-02")
    assert main(["sync", "--config", str(remote.local_config), "--now", "2026-12-02",
                 "--json"]) == 0
    capsys.readouterr()
    local = xlsx_tab(remote.folder / "tracker.xlsx", "Metrics")
    assert [[canonical(v) for v in r] for r in remote.sheets.values(SHEET_ID, "Metrics")
            if any(r)] == local
    assert first["rows_added"] > 0
    assert remote.sync("2026-12-02")["api_calls"]["sheets"] == {
        "values.batchGet": 1, "batchUpdate": 2, "get": 1}  # + lease

    # A figure a person changed is rebuilt, by the tracker's ordinary write and no more:
    # the lock, the re-read under it, the one value write and the lock's removal, which
    # also releases the lease, since nothing is sent (the lease's write and its get,
    # which the write's layout comes from, before).
    remote.sheets.book(SHEET_ID).sheet_by_title("Metrics").set(1, 6, 9999)
    assert remote.sync("2026-12-02")["api_calls"]["sheets"] == {
        "values.batchGet": 1, "get": 1, "values.batchGetByDataFilter": 1,
        "values.batchUpdateByDataFilter": 1, "batchUpdate": 3}
    assert [[canonical(v) for v in r] for r in remote.sheets.values(SHEET_ID, "Metrics")
            if any(r)] == local


def test_a_tracker_set_up_before_the_metrics_tab_gets_it_on_its_next_sync(
    remote: RemoteSchool,
) -> None:
    remote.setup()
    book = remote.sheets.book(SHEET_ID)
    book.sheets = [s for s in book.sheets if s.title != "Metrics"]
    remote.submit_csv_responses()
    summary = remote.sync("2026-12-02")
    calls = summary["api_calls"]["sheets"]
    # Once: the read again without the tab (get, batchGet) and a batchUpdate adding it;
    # and, as on any first sync whose answers withdraw someone, the follow-up that masks
    # their contact details outside the row (its read and its re-read before writing).
    assert calls["values.batchGet"] == 4
    rows = records(remote.sheets.values(SHEET_ID, "Metrics"))
    got = row_for(rows, "OAK", "2026", ACTUAL)
    expected = hand_count(records(remote.sheets.values(SHEET_ID, "Tracker")), "2026")
    assert {k: got[k] for k in expected} == expected
    assert remote.sync("2026-12-02")["api_calls"]["sheets"]["values.batchGet"] == 1


def test_two_google_academies_share_the_trusts_metrics_sheet(
    tmp_path: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    school = RemoteSchool(tmp_path, emulator, capsys)
    emulator.state.sheets.create("ELM tracker", ["Sheet1"], "tracker-elm")
    emulator.state.sheets.create("CEIAG Metrics & Destinations", ["Sheet1"], "trust-metrics")
    shutil.copy(tmp_path / "roster.csv", tmp_path / "roster-elm.csv")
    text = school.config.read_text(encoding="utf-8")
    elm = text[text.index("[[academies]]"):].replace('"OAK"', '"ELM"').replace(
        SHEET_ID, "tracker-elm").replace("roster.csv", "roster-elm.csv").replace(
        "oakfield", "elmwood")
    school.config.write_text(text.replace("[[academies]]", '[metrics]\nspreadsheet_id = '
                                          '"trust-metrics"\n\n[[academies]]', 1) + "\n" + elm,
                             encoding="utf-8")
    assert CONFIG and FORM_ID in text  # both academies read the one form: the same data
    school.setup()
    school.submit_csv_responses()
    first = school.sync("2026-12-02")
    rows = records(emulator.state.sheets.values("trust-metrics", "Metrics"))
    oak = [r for r in rows if r["Academy"] == "OAK"]
    assert oak and [{**r, "Academy": "ELM"} for r in oak] == [
        r for r in rows if r["Academy"] == "ELM"]
    # The shared sheet: a read, a get to find the tab missing, a get and a batchUpdate
    # to add it, then the one value write; the trackers' own figures are in each academy.
    shared_calls = trust_only(first)
    assert shared_calls == {"sheets.values.batchGet": 1, "sheets.get": 2,
                            "sheets.batchUpdate": 1,
                            "sheets.values.batchUpdateByDataFilter": 1}, shared_calls
    again = school.sync("2026-12-02")
    assert trust_only(again) == {"sheets.values.batchGet": 1}


def trust_only(summary: dict[str, Any]) -> dict[str, int]:
    """The run's Sheets calls less every academy's own: the shared sheet's."""
    calls = Counter({f"sheets.{m}": n for m, n in summary["api_calls"]["sheets"].items()})
    for figures in summary["academies"].values():
        calls.subtract(Counter({k: n for k, n in figures["api_calls"].items()
                                if k.startswith("sheets.")}))
    return {k: v for k, v in calls.items() if v}


def test_doctor_names_an_unknown_metrics_sheet_with_its_config_key(
    remote: RemoteSchool,
) -> None:
    remote.setup()
    text = remote.config.read_text(encoding="utf-8")
    remote.config.write_text(text.replace("[[academies]]", '[metrics]\nspreadsheet_id = '
                                          '"no-such-sheet"\n\n[[academies]]', 1),
                             encoding="utf-8")
    code, out, _ = remote.cli("doctor", "--config", str(remote.config))
    assert code == 2
    assert "[metrics] spreadsheet no-such-sheet (metrics) was not found" in out
    assert "metrics.spreadsheet_id" in out
