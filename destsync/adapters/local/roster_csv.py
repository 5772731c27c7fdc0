"""The leavers roster: a CSV export from the school's MIS, one row per student."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from destsync.adapters.local.csv_responses import read_csv_text
from destsync.adapters.roster_rows import roster_entries
from destsync.domain.model import RosterEntry
from destsync.domain.roster_review import RosterProblem
from destsync.errors import InputError


class CsvRoster:
    def __init__(self, path: Path, columns: Mapping[str, str], academy_code: str) -> None:
        self.path = path
        self.columns = columns
        self.code = academy_code
        self.problems: list[RosterProblem] = []  # rows left out or in part, from the last read

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
        self.problems = []
        return roster_entries(header, rows, self.columns, self.code, f"roster {self.path}",
                              self.problems)
