"""An invented school on the Workspace emulator: the same data as the local School, served
as a Google Form and a Google Sheet, and driven through the real CLI with
WORKSPACE_EMULATOR_HOST set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from destsync.adapters.local.csv_responses import CsvResponseSource
from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.domain.layout import canonical
from destsync.entrypoints.cli import main
from destsync.entrypoints.demo import write_school
from tests.emulator import Emulator

SHEET_ID = "tracker-oak"
FORM_ID = "form-a-oak"

CONFIG = """\
[trust]
name = "Example Learning Trust"

[google]
retry_seconds = {retry}
# The emulator applies a write before it answers; no racing write is in flight.
lease_settle_ms = 50

[[academies]]
code = "OAK"
name = "Oakfield Academy (example)"
careers_email = "careers@oakfield.example.org"
responses = {{ backend = "google_forms", form_id = "{form}" }}
roster = {{ path = "roster.csv" }}
tracker = {{ backend = "google_sheets", spreadsheet_id = "{sheet}" }}
"""


def rfc3339(d: Any) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RemoteSchool:
    def __init__(self, folder: Path, emu: Emulator, capsys: pytest.CaptureFixture[str],
                 per_cohort: int = 12, retry: int = 30) -> None:
        self.folder = folder
        self.emu = emu
        self._capsys = capsys
        self.local_config = write_school(folder, seed=11, per_cohort=per_cohort,
                                         until=date(2026, 11, 1))
        self.config = folder / "google.toml"
        self.config.write_text(CONFIG.format(form=FORM_ID, sheet=SHEET_ID, retry=retry),
                               encoding="utf-8")
        emu.state.sheets.create("Destinations tracker", ["Sheet1"], SHEET_ID)
        emu.state.forms.create("", form_id=FORM_ID)

    @property
    def sheets(self) -> Any:
        return self.emu.state.sheets

    def cli(self, *args: str) -> tuple[int, str, str]:
        self._capsys.readouterr()
        code = main(list(args))
        out, err = self._capsys.readouterr()
        return code, out, err

    def setup(self) -> str:
        code, out, err = self.cli("setup", "--config", str(self.config))
        assert code == 0, err
        return out

    def sync(self, now: str = "2026-11-02", *extra: str) -> dict[str, Any]:
        code, out, err = self.cli("sync", "--config", str(self.config), "--now", now,
                                  "--json", *extra)
        assert code == 0, err
        return json.loads(out)  # type: ignore[no-any-return]

    def submit_csv_responses(self) -> int:
        """Post the school's CSV export to the form, keeping the CSV's response ids, so
        both backends see exactly the same submissions."""
        source = CsvResponseSource(self.folder / "form-a-responses.csv", DEFAULT_QUESTIONS,
                                   "Europe/London")
        rows = source.read(None)
        for r in rows:
            self.submit(dict(r.answers), rfc3339(r.submitted), r.response_id)
        return len(rows)

    def submit(self, answers: dict[str, str], submitted: str, response_id: str | None = None,
               ) -> None:
        by_title = {DEFAULT_QUESTIONS[k]: v for k, v in answers.items() if v}
        self.emu.state.forms.add_response(FORM_ID, by_title, submitted, response_id)

    def tracker(self) -> dict[str, dict[str, str]]:
        values = self.sheets.values(SHEET_ID, "Tracker")
        return _records(values)

    def tab(self, title: str) -> list[dict[str, str]]:
        values = self.sheets.values(SHEET_ID, title)
        header = values[0]
        return [dict(zip(header, [canonical(v) for v in r], strict=False)) for r in values[1:]]


def _records(values: list[list[Any]]) -> dict[str, dict[str, str]]:
    header = [str(h) for h in values[0]]
    out = {}
    for row in values[1:]:
        record = {h: canonical(row[i]) if i < len(row) else "" for i, h in enumerate(header)}
        if record.get("Ref"):
            out[record["Ref"]] = record
    return out


def xlsx_records(path: Path) -> dict[str, dict[str, str]]:
    ws = openpyxl.load_workbook(path)["Tracker"]
    return _records([list(r) for r in ws.iter_rows(values_only=True)])


@pytest.fixture(name="emulator")
def emulator_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator() as emu:
        monkeypatch.setenv("WORKSPACE_EMULATOR_HOST", emu.host)
        yield emu


@pytest.fixture(name="remote")
def remote_fixture(tmp_path: Path, emulator: Emulator,
           capsys: pytest.CaptureFixture[str]) -> RemoteSchool:
    return RemoteSchool(tmp_path, emulator, capsys)
