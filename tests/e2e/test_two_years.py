"""Acceptance: the sample school stepped through two academic years with --now, then
every figure of the Metrics tab and of the report recounted by hand from the tracker,
its frozen returns and the per-leaver sustained list. No not-known leaver may count as
known anywhere."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from destsync.entrypoints.cli import main
from destsync.entrypoints.demo import write_school
from tests.e2e.test_metrics_tab import records, xlsx_tab

# The contact windows' attempt dates and the deadlines, over two years (see README).
DATES = ["2025-10-01", "2026-01-05", "2026-04-05", "2026-05-01", "2026-05-15", "2026-06-05",
         "2026-08-10", "2026-08-20", "2026-09-03", "2026-09-24", "2026-11-12", "2027-01-05",
         "2027-04-05", "2027-05-03", "2027-05-17", "2027-06-07", "2027-08-20"]
NOT_KNOWN = ("810", "820", "830")
GROUP_OF = {"Intended destination": "Intended", "Actual destination (unvalidated)": "Actual",
            "Actual destination (validated)": "Actual", "Sustained check, year 1": "Year 1"}
COLUMNS_OF = {"intended": "Intended", "actual": "Actual", "year1": "Year 1",
              "year2": "Year 2", "year3": "Year 3"}
LABEL_OF = {"intended": "Intended destination", "actual": "Actual destination",
            "year1": "One year on", "year2": "Two years on", "year3": "Three years on"}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def replay(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = config.parent / "form-a-responses.csv"
    header, *rows = list(csv.reader(export.read_text(encoding="utf-8").splitlines(True)))
    for d in DATES:
        kept = [r for r in rows if not r or r[0][:10] <= d.replace("-", "/")]
        with export.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *kept])
        cli(capsys, "sync", "--config", str(config), "--now", d)


def by_hand(rows: list[dict[str, str]], dest: str, code: str) -> dict[str, int]:
    """Destination and NCCIS code columns, counted with nothing but these rules: a blank
    is not recorded; 810, 820 and 830 are not known; a label without a code is an
    activity not captured; anything else is a known destination."""
    c: Counter[str] = Counter()
    for r in rows:
        if not r[dest]:
            c["blank"] += 1
        elif r[code] in NOT_KNOWN:
            c[r[code]] += 1
        elif not r[code]:
            c["not captured"] += 1
        else:
            c["known"] += 1
    c["leavers"] = len(rows)
    return c


def test_two_years_of_figures_recount_by_hand(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    config = write_school(tmp_path, seed=5, per_cohort=30, until=date(2027, 8, 31))
    replay(config, capsys)
    tracker_file = tmp_path / "tracker.xlsx"
    tracker = records(xlsx_tab(tracker_file, "Tracker"))
    returns = records(xlsx_tab(tracker_file, "Returns"))
    metrics = records(xlsx_tab(tracker_file, "Metrics"))
    cli(capsys, "sustained", "--config", str(config), "--now", DATES[-1],
        "--out", str(tmp_path / "sustained.csv"))
    with (tmp_path / "sustained.csv").open(encoding="utf-8") as fh:
        verdicts = Counter((r["Leaving year"], r["Checkpoint"], r["Sustained"])
                           for r in csv.DictReader(fh))
    frozen_seen = 0
    for m in metrics:
        year, label = m["Leaving year"], m["Checkpoint"]
        g = GROUP_OF[label]
        if m["Frozen on"]:  # counted from the return the trust signed
            rows = [r for r in returns if (r["Leaving year"], r["Checkpoint"]) == (year, label)]
            c = by_hand(rows, "Destination", "NCCIS code")
            frozen_seen += 1
            if label.endswith("(validated)"):
                assert m["Validated"] == str(sum(r["Validated"] == "Yes" for r in rows))
        else:
            rows = [r for r in tracker if r["Leaving year"] == year]
            c = by_hand(rows, f"{g} destination", f"{g} NCCIS code")
        assert int(m["Leavers"]) == c["leavers"], m
        for code, header in zip(NOT_KNOWN, ("810 Situation not known",
                                            "820 Cannot be contacted",
                                            "830 Refused to disclose"), strict=True):
            assert int(m[header]) == c[code], (m, header)
        assert int(m["No destination recorded"]) == c["blank"], m
        assert int(m["Known"]) == c["known"], m  # nothing not known is ever known
        assert m["% known"] == (f"{100 * c['known'] / c['leavers']:.1f}%" if c["leavers"]
                                else "")
        if g != "Intended":
            group = {"Actual": "actual", "Year 1": "year1"}[g]
            cohort = sum(1 for r in tracker if r["Leaving year"] == year)
            sustained = verdicts[(year, LABEL_OF[group], "Sustained")]
            assert int(m["Sustained"]) == sustained, m
            assert m["% sustained"] == f"{100 * sustained / cohort:.1f}%"
    assert frozen_seen >= 6  # two cohorts' returns froze along the way
    assert any(int(m["820 Cannot be contacted"]) + int(m["810 Situation not known"])
               for m in metrics)

    cli(capsys, "report", "--config", str(config), "--now", DATES[-1],
        "--out", str(tmp_path / "report"))
    with (tmp_path / "report" / "report.csv").open(encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    checked = 0
    for year, group in {(r["leaving_year"], r["checkpoint"]) for r in report}:
        figures = {r["measure_group"]: r["count"] for r in report
                   if (r["leaving_year"], r["checkpoint"]) == (year, group)}
        label = COLUMNS_OF[group]
        rows = [r for r in tracker if r["Leaving year"] == year]
        c = by_hand(rows, f"{label} destination", f"{label} NCCIS code")
        assert figures["All leavers"] == str(c["leavers"])
        if figures["Destination known"] != "c":
            assert figures["Destination known"] == str(c["known"]), (year, group)
            checked += 1
        if group != "intended" and figures["Sustained"] != "c":
            assert figures["Sustained"] == str(
                verdicts[(year, LABEL_OF[group], "Sustained")]), (year, group)
    assert checked >= 3, checked
