"""Reading a Google Forms CSV export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from destsync.adapters.local.csv_responses import CsvResponseSource, parse_timestamp
from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.errors import InputError

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025/06/12 4:52:00 PM GMT", datetime(2025, 6, 12, 16, 52, tzinfo=UTC)),
        ("2025/06/12 12:05:09 AM GMT+1",
         datetime(2025, 6, 12, 0, 5, 9, tzinfo=timezone(timedelta(hours=1)))),
        ("2025/01/02 9:00:00 AM GMT-5:30",
         datetime(2025, 1, 2, 9, 0, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
        ("12/06/2025 16:52:00", datetime(2025, 6, 12, 16, 52, tzinfo=LONDON)),
        ("2025-06-12T16:52:00", datetime(2025, 6, 12, 16, 52, tzinfo=LONDON)),
    ],
)
def test_forms_and_uk_sheet_timestamps_are_read(text: str, expected: datetime) -> None:
    got = parse_timestamp(text, LONDON)
    assert got == expected and got.utcoffset() == expected.utcoffset()


def write(tmp_path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    import csv

    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header or ["Timestamp", *DEFAULT_QUESTIONS.values()])
        w.writerows(rows)
    return path


def test_the_same_row_gets_the_same_id_and_an_exact_duplicate_its_own(tmp_path: Path) -> None:
    row = ["2025/06/12 4:52:00 PM GMT", *["x"] * len(DEFAULT_QUESTIONS)]
    src = CsvResponseSource(write(tmp_path, [row, row, []]), DEFAULT_QUESTIONS, "Europe/London")
    first = src.read()
    assert [r.response_id for r in first] == [first[0].response_id, first[0].response_id + "-2"]
    assert [r.response_id for r in src.read()] == [r.response_id for r in first]
    assert first[0].answers["name"] == "x" and first[0].source == "CSV line 2"


def test_columns_are_found_by_title_in_any_order_and_spacing(tmp_path: Path) -> None:
    titles = list(DEFAULT_QUESTIONS.values())[::-1]
    header = ["Timestamp", *[f"  {t.upper()} " for t in titles]]
    values = [f"v{i}" for i in range(len(titles))]
    src = CsvResponseSource(
        write(tmp_path, [["2025/06/12 4:52:00 PM GMT", *values]], header),
        DEFAULT_QUESTIONS, "Europe/London",
    )
    [r] = src.read()
    assert r.answers["reference"] == values[titles.index(DEFAULT_QUESTIONS["reference"])]


def test_a_renamed_question_names_the_setting_to_change(tmp_path: Path) -> None:
    header = ["Timestamp", *[t if k != "phone" else "Mobile" for k, t in
                             DEFAULT_QUESTIONS.items()]]
    src = CsvResponseSource(write(tmp_path, [], header), DEFAULT_QUESTIONS, "Europe/London")
    with pytest.raises(InputError) as err:
        src.read()
    assert "'Telephone number'" in err.value.message
    assert "form_a.questions.phone" in err.value.hint


def test_a_file_that_is_not_text_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x00\x81")
    with pytest.raises(InputError, match="not a readable CSV"):
        CsvResponseSource(path, DEFAULT_QUESTIONS, "Europe/London").read()


def test_an_edited_timestamp_is_a_clear_error_naming_the_line(tmp_path: Path) -> None:
    row = ["yesterday", *["x"] * len(DEFAULT_QUESTIONS)]
    src = CsvResponseSource(write(tmp_path, [row]), DEFAULT_QUESTIONS, "Europe/London")
    with pytest.raises(InputError, match="line 2"):
        src.read()


def test_a_bad_timestamp_error_quotes_no_cell(tmp_path: Path) -> None:
    # An edited Timestamp cell can hold anything, a name too (issue 14).
    row = ["Priya Ashdown", *["x"] * len(DEFAULT_QUESTIONS)]
    src = CsvResponseSource(write(tmp_path, [row]), DEFAULT_QUESTIONS, "Europe/London")
    with pytest.raises(InputError) as exc:
        src.read()
    assert "line 2" in exc.value.message and "Priya" not in exc.value.message + exc.value.hint
