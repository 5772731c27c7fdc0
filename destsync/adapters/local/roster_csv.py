"""The leavers roster: a CSV export from the school's MIS, one row per student."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from destsync.adapters.local.csv_responses import read_csv_text
from destsync.domain.model import RosterEntry
from destsync.domain.normalize import clean_text
from destsync.errors import InputError

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _text(row: Mapping[str, str | None], column: str) -> str:
    """A roster cell cleaned exactly as a form answer is (NFC, no control characters,
    whitespace folded): the MIS export is typed by people too, and a control character
    reached openpyxl, whose error quoted the student's name to stderr."""
    return clean_text(row.get(column) or "")


def _date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


class CsvRoster:
    def __init__(self, path: Path, columns: Mapping[str, str], academy_code: str) -> None:
        self.path = path
        self.columns = columns
        self.code = academy_code

    def read(self) -> Sequence[RosterEntry]:
        try:
            # Decoded by the shared reader so that an Excel-saved (Windows-1252 or UTF-16)
            # or unreadable roster gets a message that names the encoding or permission.
            text = read_csv_text(self.path, "roster")
            reader = csv.DictReader(io.StringIO(text, newline=""))
            header = reader.fieldnames or []
            rows = list(reader)
        except (OSError, csv.Error) as exc:
            raise InputError(
                f"roster {self.path} cannot be read ({type(exc).__name__})",
                "export the leavers list from the MIS again as CSV (UTF-8)",
            ) from None
        col = dict(self.columns)
        for key in ("ref", "forename", "surname", "dob", "leaving_year"):
            if col[key] not in header:
                raise InputError(
                    f"roster {self.path} has no column {col[key]!r} ({key})",
                    f"rename the column, or set roster.columns.{key} in the config",
                )
        out: list[RosterEntry] = []
        seen: set[str] = set()
        for line, row in enumerate(rows, start=2):
            adm = _text(row, col["ref"])
            if not adm:
                continue
            ref = f"{self.code}-{adm}"
            if ref in seen:
                raise InputError(
                    f"roster {self.path} line {line}: {col['ref']} {adm!r} appears twice",
                    "each student must appear once in the roster",
                )
            seen.add(ref)
            dob_text = _text(row, col["dob"])
            dob = _date(dob_text) if dob_text else None
            year_text = _text(row, col["leaving_year"])
            if (dob_text and dob is None) or not year_text.isdigit():
                raise InputError(
                    f"roster {self.path} line {line}: date of birth or leaving year is not valid",
                    "dates as DD/MM/YYYY or YYYY-MM-DD, leaving year as four digits",
                )
            yg = _text(row, col.get("year_group", ""))
            out.append(
                RosterEntry(
                    ref=ref,
                    forename=_text(row, col["forename"]),
                    surname=_text(row, col["surname"]),
                    dob=dob.isoformat() if dob else "",
                    leaving_year=int(year_text),
                    parent_email=_text(row, col["parent_email"]),
                    s72_opt_out=_text(row, col["s72_opt_out"]).lower()
                    in ("yes", "y", "true", "1"),
                    year_group=int(yg) if yg.isdigit() else None,
                )
            )
        return out
