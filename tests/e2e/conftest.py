from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.entrypoints.cli import main
from destsync.entrypoints.demo import write_school
from tests.e2e.test_privacy_audit import Audit
from tests.fakes import unpaced


class School:
    """An invented school in a temporary folder, driven through the real CLI."""

    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.config = write_school(folder, seed=11, per_cohort=12, until=date(2026, 11, 1))
        self.tracker = folder / "tracker.xlsx"
        self.responses = folder / "form-a-responses.csv"
        self._capsys = capsys

    def cli(self, *args: str) -> tuple[int, str, str]:
        self._capsys.readouterr()
        code = main(list(args))
        out, err = self._capsys.readouterr()
        return code, out, err

    def sync(self, now: str = "2026-11-02", *extra: str) -> dict[str, object]:
        code, out, err = self.cli(
            "sync", "--config", str(self.config), "--now", now, "--json", *extra
        )
        assert code == 0, err
        return json.loads(out)  # type: ignore[no-any-return]

    def add_response(self, when: str, **answers: str) -> None:
        with self.responses.open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerow([when, *[answers.get(k, "") for k in DEFAULT_QUESTIONS]])

    def roster(self, leaving_year: str = "2026") -> list[dict[str, str]]:
        """Roster rows of one cohort (default: leavers of summer 2026, whose November
        answers fill the Actual columns)."""
        with (self.folder / "roster.csv").open(encoding="utf-8") as fh:
            return [r for r in csv.DictReader(fh) if r["Leaving year"] == leaving_year]


@pytest.fixture
def audit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Audit:
    """A school synced from the sample, with the privacy audit's search (``Audit``)."""
    return Audit(tmp_path, capsys)


@pytest.fixture
def school(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> School:
    return School(tmp_path, capsys)


SchoolFactory = Callable[[], School]


def expect_one_line_error(code: int, err: str, *needles: str,
                          exit_code: int = 2) -> tuple[str, str]:
    """The project's rule for a foreseeable problem: exit code, one `error:` line, one
    `hint:` line, no traceback. Returns the two lines."""
    assert code == exit_code, err
    assert "Traceback" not in err and "unexpected" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    return lines[0], lines[1]


@pytest.fixture(autouse=True)
def _no_real_quota_waits() -> Iterator[None]:
    # The run's pacer would otherwise wait real minutes once tests, many syncs a second,
    # went over 60 Sheets reads in a minute.
    with unpaced():
        yield
