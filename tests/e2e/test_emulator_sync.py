"""The real CLI against the local Workspace emulator: setup, then sync, end to end."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.entrypoints.cli import main
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    FORM_ID,
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
    xlsx_records,
)
from tests.emulator import Emulator

pytestmark = pytest.mark.slow

# Differs by backend by design: it names where the consent came from (CSV line / Forms id).
BACKEND_SPECIFIC = {"Consent evidence"}


def test_setup_twice_changes_nothing_the_second_time(remote: RemoteSchool) -> None:
    first = remote.setup()
    assert "updated spreadsheet" in first and "updated form" in first
    before = remote.emu.calls()
    second = remote.setup()
    assert "already set up spreadsheet" in second and "already set up form" in second
    after = remote.emu.calls()
    writes = {k: after.get(k, 0) - before.get(k, 0) for k in after
              if k.endswith(("batchUpdate", "batchUpdateByDataFilter"))}
    assert not any(writes.values())
    tabs = [sh.title for sh in remote.sheets.book(SHEET_ID).sheets]
    assert {"Tracker", "Review", "Change log", "Returns", "_destsync_base"} <= set(tabs)
    hidden = {sh.title for sh in remote.sheets.book(SHEET_ID).sheets if sh.hidden}
    assert hidden == {"_destsync_base", "_destsync_responses", "_destsync_frozen",
                      "_destsync_ledger", "_destsync_meta"}
    titles = set(remote.emu.state.forms.question_ids(FORM_ID))
    assert "Personal Email" in titles and any("reference" in t for t in titles)


def test_setup_creates_form_a_when_the_config_names_none(remote: RemoteSchool) -> None:
    remote.config.write_text(remote.config.read_text().replace(f'"{FORM_ID}"', '""'))
    # Before setup, a sync names the missing id and the command that makes one.
    code, _, err = remote.cli("sync", "--config", str(remote.config), "--now", "2026-11-02")
    assert code == 2 and "form_id" in err and "destsync setup" in err
    out = remote.setup()
    created = re.search(r'set responses.form_id = "([^"]+)"', out)
    assert created, out
    new_id = created.group(1)
    assert new_id != FORM_ID
    form = remote.emu.state.forms.form(new_id)
    assert form["info"]["title"] == "Form A: Oakfield Academy (example)"
    assert set(DEFAULT_QUESTIONS.values()) <= set(remote.emu.state.forms.question_ids(new_id))
    # With the printed id in the config, setup has nothing left to do and sync reads it.
    remote.config.write_text(remote.config.read_text().replace('form_id = ""',
                                                               f'form_id = "{new_id}"'))
    assert "already set up form" in remote.setup()
    remote.emu.state.forms.add_response(
        new_id, {DEFAULT_QUESTIONS["name"]: "Robin Example", DEFAULT_QUESTIONS["consent"]: "No"},
        "2026-10-01T10:00:00.000000Z")
    assert remote.sync()["responses_read"] == 1


def test_the_same_data_gives_the_same_tracker_as_the_local_backend(
    remote: RemoteSchool, capsys: pytest.CaptureFixture[str]
) -> None:
    remote.setup()
    remote.submit_csv_responses()
    summary = remote.sync()
    assert summary["rows_added"] >= 36
    assert set(summary["api_calls"]) == {"sheets", "forms"}
    assert summary["api_calls"]["forms"] == {"get": 1, "responses.list": 1}

    capsys.readouterr()
    assert main(["sync", "--config", str(remote.local_config), "--now", "2026-11-02",
                 "--json"]) == 0
    local = json.loads(capsys.readouterr().out)
    for key in ("rows_added", "cells_updated", "review_items", "returns_frozen"):
        assert summary[key] == local[key], key

    expected = xlsx_records(remote.folder / "tracker.xlsx")
    got = remote.tracker()
    assert set(got) == set(expected)
    for ref, row in expected.items():
        for header, value in row.items():
            if header not in BACKEND_SPECIFIC:
                assert got[ref][header] == value, (ref, header)

    again = remote.sync()
    assert (again["rows_added"], again["cells_updated"], again["review_items"]) == (0, 0, 0)
    # One read of everything, plus the academy's lease: a write and a read (get) to take
    # it, a write to release it.
    assert again["api_calls"]["sheets"] == {"values.batchGet": 1, "batchUpdate": 2, "get": 1}


def test_an_answer_that_looks_like_a_formula_is_stored_as_text(remote: RemoteSchool) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.sync()
    ref = sorted(remote.tracker())[0]
    hostile = '=HYPERLINK("http://evil.example.org","click")'
    remote.submit({"reference": ref, "name": "x", "destination": "College",
                   "provider": hostile, "course": "+1-2", "consent": "Yes"},
                  "2026-11-03T10:00:00Z")
    remote.sync("2026-11-04")
    book = remote.sheets.book(SHEET_ID)
    stored = [v for sh in book.sheets for row in sh.rows for v in row if v is not None]
    assert hostile in stored and "+1-2" in stored  # plain str, not a Formula or a number
    assert not any(type(v).__name__ == "Formula" for v in stored)


def test_a_renamed_form_question_is_one_clear_line(remote: RemoteSchool) -> None:
    remote.setup()
    form = remote.emu.state.forms.form(FORM_ID)
    for item in form["items"]:
        if item["title"] == "Personal Email":
            item["title"] = "Your email"
    code, out, err = remote.cli("sync", "--config", str(remote.config), "--now", "2026-11-02")
    assert code == 2 and out == ""
    assert "'Personal Email'" in err and "form_a.questions.email" in err
    assert "Traceback" not in err


def test_a_tracker_without_setup_asks_for_setup(remote: RemoteSchool) -> None:
    code, _, err = remote.cli("sync", "--config", str(remote.config), "--now", "2026-11-02")
    assert code == 2
    assert err.startswith("error: ") and "destsync setup" in err


def test_an_unknown_spreadsheet_is_one_line(remote: RemoteSchool) -> None:
    remote.config.write_text(remote.config.read_text().replace(SHEET_ID, "nope"))
    code, _, err = remote.cli("sync", "--config", str(remote.config))
    assert code == 2 and "spreadsheet nope (OAK) was not found" in err
    assert len(err.strip().splitlines()) == 2  # error + hint


def _calls_for_rows(folder: Path, emu: Emulator, capsys: pytest.CaptureFixture[str],
                    per_cohort: int) -> tuple[dict[str, dict[str, int]], int, float]:
    school = RemoteSchool(folder, emu, capsys, per_cohort=per_cohort)
    school.setup()
    school.submit_csv_responses()
    first = school.sync()
    # A second sync with a handful of new answers, so every write path runs.
    refs = sorted(school.tracker())[:5]
    for i, ref in enumerate(refs):
        school.submit({"reference": ref, "name": "x", "destination": "College",
                       "provider": f"Example College {i}", "consent": "Yes"},
                      f"2026-11-0{3 + i % 3}T10:00:00Z")
    started = time.perf_counter()
    second = school.sync("2026-11-06")
    elapsed = time.perf_counter() - started
    assert second["cells_updated"] >= 5
    return {"first": first["api_calls"], "second": second["api_calls"]}, len(
        school.tracker()), elapsed


def test_a_sync_costs_the_same_sheets_and_forms_calls_at_10_and_2000_rows(
    tmp_path: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    small, n_small, _ = _calls_for_rows(tmp_path / "small", emulator, capsys, 4)
    emulator.reset()
    emulator.state.max_body_bytes = 2_000_000  # Google's recommended maximum: a 400 above
    large, n_large, seconds = _calls_for_rows(tmp_path / "large", emulator, capsys, 667)
    assert n_small <= 15 and n_large >= 2000
    for run in ("first", "second"):
        for api in ("sheets", "forms"):
            assert small[run][api] == large[run][api] or run == "first", (run, api)
    # The first sync at 2,000 rows writes over 2 MB: only its writes go in more parts.
    parts = ("batchUpdate", "values.batchUpdateByDataFilter")
    assert {m: n for m, n in large["first"]["sheets"].items() if m not in parts} == {
        m: n for m, n in small["first"]["sheets"].items() if m not in parts}
    assert large["first"]["forms"] == small["first"]["forms"]
    print(f"\nsync at {n_large} rows: {sum(large['second']['sheets'].values())} Sheets calls, "
          f"{sum(large['second']['forms'].values())} Forms calls, {seconds:.2f} s")
