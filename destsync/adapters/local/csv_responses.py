"""Form A responses from a Google Forms CSV export ("Download responses (.csv)").

The export has a Timestamp column, then one column per question title. It carries no
response id, so one is derived from the row's content: the same submission always gets the
same id, and an edited submission (new timestamp) a new one.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from destsync.adapters.form_questions import norm_title, resolve
from destsync.domain.model import RawResponse
from destsync.errors import InputError

# Forms writes "2025/06/12 10:31:22 AM GMT+1"; a sheet saved as CSV in a UK locale writes
# "12/06/2025 10:31:22". Both are accepted; anything else is a clear error for that row.
_FORMS_TS = re.compile(
    r"^(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?: ?([AP]M))?"
    r"(?: GMT(?:([+-]\d{1,2})(?::?(\d{2}))?)?)?$",
    re.IGNORECASE,
)
_UK_TS = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_timestamp(text: str, tz: ZoneInfo) -> datetime:
    text = text.strip()
    m = _FORMS_TS.match(text)
    if m:
        y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
        ampm, off_h, off_m = m.group(7), m.group(8), m.group(9)
        if ampm:
            h = h % 12 + (12 if ampm.upper() == "PM" else 0)
        if off_h is not None:
            sign = -1 if off_h.startswith("-") else 1
            offset = timedelta(hours=int(off_h), minutes=sign * int(off_m or 0))
            return datetime(y, mo, d, h, mi, s, tzinfo=timezone(offset))
        if "GMT" in text.upper():
            return datetime(y, mo, d, h, mi, s, tzinfo=UTC)
        return datetime(y, mo, d, h, mi, s, tzinfo=tz)
    m2 = _UK_TS.match(text)
    if m2:
        d, mo, y, h, mi = (int(m2.group(i)) for i in range(1, 6))
        return datetime(y, mo, d, h, mi, int(m2.group(6) or 0), tzinfo=tz)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def read_csv_text(path: Path, what: str) -> str:
    """The whole file as text, or an InputError that names the real problem.

    Forms exports UTF-8. A file someone opened and saved in Excel is often Windows-1252
    ("CSV (Comma delimited)") or UTF-16 ("Unicode Text"); "download it again" was the only
    advice before, which does not help a careers leader who has to re-save a roster. The
    bytes are decoded here, not by a text-mode file, so the error can name the line.
    """
    try:
        data = path.read_bytes()
    except PermissionError:
        raise InputError(
            f"{what} {path} is not readable: permission denied",
            "close it if another program has it open, and give the account that runs "
            "destsync read access to it",
        ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            f"{what} {path} is not a readable CSV: it is UTF-16 text (Excel's 'Unicode Text')",
            "in Excel use Save As, 'CSV UTF-8 (Comma delimited) (*.csv)', and run again",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{what} {path} is not a readable CSV: not UTF-8 (byte {data[exc.start]:#04x} on "
            f"line {line}), probably saved by Excel as plain 'CSV'",
            "in Excel use Save As, 'CSV UTF-8 (Comma delimited) (*.csv)', and run again",
        ) from None


class CsvResponseSource:
    """Reads every row each time: the file is small, and re-reading keeps the sync a pure
    function of its inputs (the planner skips what it has already recorded)."""

    def __init__(self, path: Path, questions: Mapping[str, str], timezone: str,
                 table: str = "form_a") -> None:
        self.path = path
        self.table = table  # the config table naming the questions, for the hint
        self.questions = questions
        self.tz = ZoneInfo(timezone)

    def read(self, since: datetime | None = None) -> Sequence[RawResponse]:
        try:
            text = read_csv_text(self.path, "responses file")
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except FileNotFoundError:
            raise InputError(
                f"responses file {self.path} does not exist",
                f"export the form's responses as CSV to that path, or fix "
                f"{'checkin' if self.table == 'checkin' else 'responses'}.path",
            ) from None
        except (csv.Error, OSError) as exc:
            raise InputError(
                f"responses file {self.path} is not a readable CSV ({type(exc).__name__})",
                "download it again from Forms with 'Download responses (.csv)'",
            ) from None
        if not rows:
            return []
        columns = self._columns(rows[0])
        out: list[RawResponse] = []
        seen: dict[str, int] = {}
        for line_no, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue  # a blank line is not a submission
            row = row + [""] * (len(rows[0]) - len(row))
            try:
                submitted = parse_timestamp(row[0], self.tz)
            except ValueError:
                raise InputError(
                    # Not the cell itself: an edited cell can hold anything, a name too.
                    f"{self.path} line {line_no}: the timestamp is not a date and time",
                    "export the file again from Forms without editing the Timestamp column",
                ) from None
            answers = {key: row[i] for key, i in columns.items()}
            digest = hashlib.sha256("\x1f".join(row).encode("utf-8", "replace")).hexdigest()
            rid = f"csv-{digest[:16]}"
            seen[rid] = seen.get(rid, 0) + 1
            if seen[rid] > 1:  # an exact duplicate row is still a submission of its own
                rid = f"{rid}-{seen[rid]}"
            if since is None or submitted >= since:
                out.append(RawResponse(rid, submitted, answers, f"CSV line {line_no}"))
        return out

    def _columns(self, header: list[str]) -> dict[str, int]:
        index = {norm_title(h): i for i, h in enumerate(header)}
        if not header or norm_title(header[0]) != "timestamp":
            raise InputError(
                f"{self.path} does not start with a Timestamp column",
                "use the file from Forms' 'Download responses (.csv)' as it is",
            )
        return resolve(index, self.questions, str(self.path), "column", table=self.table)
