"""The roster from a tab of the tracker's spreadsheet (``roster = { tab = "Roster" }``).

The tab is read in the tracker's own batched read, so a Cloud Run task needs no local
file and the sync makes no extra call. A header row first, then one row per student, as
the MIS export gives it; the columns are the same as for a CSV roster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from destsync.adapters.google.sheets import GoogleSheetsTracker
from destsync.adapters.roster_rows import roster_entries
from destsync.domain.layout import canonical
from destsync.domain.model import RosterEntry
from destsync.domain.roster_review import RosterProblem


class SheetsRoster:
    def __init__(self, tracker: GoogleSheetsTracker, columns: Mapping[str, str],
                 academy_code: str) -> None:
        self.tracker, self.columns, self.code = tracker, columns, academy_code
        self.problems: list[RosterProblem] = []  # rows left out or in part, from the last read

    def read(self) -> Sequence[RosterEntry]:
        if self.tracker.roster_values is None:
            self.tracker.read()  # the run reads the tracker first; a lone call still works
        values = self.tracker.roster_values or []
        header = [canonical(v) for v in values[0]] if values else []
        rows = [{h: canonical(row[i]) if i < len(row) else "" for i, h in enumerate(header)}
                for row in values[1:]]
        where = f"roster tab {self.tracker.roster_tab!r} of {self.tracker.api.label}"
        self.problems = []
        return roster_entries(header, rows, self.columns, self.code, where, self.problems)
