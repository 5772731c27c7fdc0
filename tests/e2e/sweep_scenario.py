"""A representative sync on the emulator, and the means to stop it at any call.

The scenario: a tracker after its first sync, then 25 new answers (some for students
already on the tracker, some for rows destsync must add), staff edits to a few cells,
one conflict (staff and the form both changed a cell) and a returns freeze (the run's
date is past a census deadline). ``contents`` is everything destsync keeps in the sheet,
normalised only for timestamps and run ids.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from destsync.domain.layout import canonical
from tests.e2e.emulated import SHEET_ID, RemoteSchool
from tests.emulator.a1 import cell_name

PROVIDER = "Actual provider / employer"
FIRST, SECOND = "2026-11-02", "2027-01-16"  # SECOND: past 31 Dec, a freeze
# Times and run ids.
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"
                   r"|\b[0-9a-f]{12}\b")


def prepare(remote: RemoteSchool) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.sync(FIRST)
    rows = remote.tracker()
    header = remote.sheets.values(SHEET_ID, "Tracker")[0]
    refs = sorted(rows)
    values = remote.sheets.values(SHEET_ID, "Tracker")
    at = {v[0]: i for i, v in enumerate(values) if v}
    # Staff edits: a note and a provider typed by hand.
    for n, ref in enumerate(refs[:3]):
        col = header.index("Notes" if n % 2 == 0 else PROVIDER)
        remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(at[ref], col), f"Staff note {n}")
    # A conflict: staff typed a provider for a 2026 leaver; the form will say otherwise.
    leaver = sorted(r for r, row in rows.items() if row["Leaving year"] == "2026")[0]
    remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(at[leaver], header.index(PROVIDER)),
                            "Provider typed by staff")
    remote.submit({"reference": leaver, "name": "x", "destination": "College",
                   "provider": "Example College of the Form", "consent": "Yes"},
                  "2026-11-19T09:00:00Z", "conflicting-answer")
    for n, ref in enumerate(refs[1:21]):
        remote.submit({"reference": ref, "name": "x", "destination": "College",
                       "provider": f"Example College {n}", "consent": "Yes"},
                      f"2026-11-1{n % 9}T10:00:{n:02d}Z", f"new-answer-{n:02d}")
    with (remote.folder / "roster.csv").open("a", encoding="utf-8") as roster:
        for n in range(4):  # students joining the roster: rows destsync adds
            roster.write(f"{2001 + n},Newstudent{n},Example,01/02/2009,2026,"
                         f"parent{n}.new@example.org,,13\n")
    # Staff type a row by hand for one joiner (Ref only): destsync fills it, unanchored.
    end = len(remote.sheets.values(SHEET_ID, "Tracker"))
    remote.sheets.insert_row(SHEET_ID, "Tracker", end, [""] * header.index("Ref") + ["OAK-2004"])
    for n in range(5):  # not on the roster: two start a row, three go to Review
        identity = {"dob": f"0{n + 1}/03/2009", "leaving_year": "2026"} if n < 2 else {}
        remote.submit({"name": f"Unmatched Student {n}", "destination": "Apprenticeship",
                       "provider": "Example Works", "consent": "Yes",
                       "email": f"unmatched{n}@example.org", **identity},
                      f"2026-11-15T11:00:{n:02d}Z", f"unmatched-{n}")


def pending_rows(remote: RemoteSchool) -> str:
    """The list of added-but-unfilled rows a stopped run leaves in _destsync_meta."""
    meta = remote.sheets.values(SHEET_ID, "_destsync_meta")
    return next((str(r[1]) for r in meta if r and r[0] == "pending_rows" and len(r) > 1), "")


def save(remote: RemoteSchool) -> tuple[Any, Any]:
    with remote.emu.state.lock:
        return copy.deepcopy(remote.emu.state.sheets), copy.deepcopy(remote.emu.state.forms)


def restore(remote: RemoteSchool, saved: tuple[Any, Any]) -> None:
    with remote.emu.state.lock:
        remote.emu.state.sheets = copy.deepcopy(saved[0])
        remote.emu.state.forms = copy.deepcopy(saved[1])
        remote.emu.state.scheduled = []
    remote.emu.clear_faults()


def contents(remote: RemoteSchool) -> dict[str, list[list[str]]]:
    """Every tab but the journal of a write in parts (sheets_journal), which is working
    space: its tab and its row in _destsync_meta."""
    ss = remote.sheets.spreadsheets[SHEET_ID]
    out = {}
    for sh in ss.sheets:
        if sh.title == "_destsync_journal":
            continue
        rows = [[STAMP.sub("<t>", canonical(v)) for v in r]
                for r in remote.sheets.values(SHEET_ID, sh.title)]
        while rows and not any(rows[-1]):
            rows.pop()
        out[sh.title] = [_trim(r) for r in rows if _trim(r) != ["journal"]]
    return out


def _trim(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row = row[:-1]
    return row
