"""A write too large for one request, made so that a stop between its parts converges.

Google recommends at most 2 MB a request (Sheets API, Usage limits), so a large write
goes in parts. Parts after the first are absolute writes: values at a row's anchor or at
fixed rows, cells at fixed positions in tabs the write lock holds, so writing one twice
does no harm. Before the first part, those later parts are saved as JSON text in the
hidden tab ``_destsync_journal`` (40,000 characters a cell; Google's cell limit is
50,000). The first part carries a ``journal`` row in ``_destsync_meta`` saying how many
cells the journal has; the last part clears it. A run stopped in between leaves the row:
the next run's read writes every saved part again, then reads afresh, so it plans from
the state the uninterrupted run would have left. A write that fits one request keeps no
journal. The lock stays on until the journal is done, so nobody edits what it rewrites.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.errors import TrackerError

JOURNAL_TAB = "_destsync_journal"
JOURNAL_KEY = "journal"  # _destsync_meta: cells of the journal still to replay
CELL = 40_000
MARGIN = 2_000  # bytes kept free in each part for the journal's own row

Step = tuple[str, list[dict[str, Any]]]  # ("batch", requests) or ("values", data)


def cells_of(steps: Sequence[Step]) -> list[str]:
    text = json.dumps(steps, separators=(",", ":"))
    return [text[i:i + CELL] for i in range(0, len(text), CELL)]


def replay(sheet: api.SheetsApi, cells: int) -> None:
    """Write again every part a stopped run saved, in order (the last clears the row)."""
    blocks = sheet.batch_get([f"{api.quote(JOURNAL_TAB)}!A1:A{cells}"])
    text = "".join(str(r[0]) for r in (blocks[0] if blocks else []) if r)
    try:
        steps = json.loads(text)
    except ValueError:
        raise TrackerError(f"the write journal of {sheet.label} is damaged",
                           f"run the sync again; if this stays, clear the '{JOURNAL_KEY}' "
                           "row of the _destsync_meta tab") from None
    for kind, body in steps:
        send(sheet, kind, body)


def send(sheet: api.SheetsApi, kind: str, body: list[dict[str, Any]]) -> None:
    if kind == "batch":
        sheet.batch_update(body)
    else:
        sheet.update_by_filter(body)


def add_tab(rows: int) -> dict[str, Any]:
    return {"addSheet": {"properties": {"title": JOURNAL_TAB, "hidden": True,
                                        "gridProperties": {"rowCount": rows,
                                                           "columnCount": 1}}}}
