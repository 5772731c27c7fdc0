"""The hidden ``_destsync_base`` tab (the merge base: what destsync last wrote in each
cell), one row per Ref, shared by the workbook and the Google Sheet.

A row is ``[Ref, {"column key": "value", ...}]``: one JSON cell per student, under the
tab's "Column" header (kept, so that a tab made before needs no new header). The first
format was one row per cell, ``[Ref, column key, value]`` (about 20 rows per student); a
10,000-row tracker's 180,000 base rows were most of what a workbook took to read and
write. Both formats are read, row by row (a JSON cell starts with ``{``, a column key
never does), so a tracker made by an older destsync reads as before and is converted by
its next write.

Where a student has both, a cell's JSON value wins over its one-cell row. A value too
long for the JSON cell to stay under a cell's size limit (Excel's is 32,767 characters;
Google's 50,000) keeps a row of its own in the old format, and is left out of the JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

BASE_TAB = "_destsync_base"
# The JSON cell's ceiling, under Excel's 32,767 characters per cell with room to spare.
CELL_LIMIT = 30_000


def decode(rows: Iterable[Sequence[str]]) -> dict[tuple[str, str], str]:
    """(Ref, column key) -> value from the tab's rows (header excluded), canonical text.
    A later row of a Ref replaces an earlier one; a JSON cell that does not parse (a
    hand edit of the hidden tab) is skipped rather than stop the run."""
    single: dict[tuple[str, str], str] = {}
    whole: dict[str, dict[str, str]] = {}
    for row in rows:
        ref = row[0] if row else ""
        if not ref:
            continue
        second = row[1] if len(row) > 1 else ""
        if second.startswith("{"):
            cells = _parse(second)
            if cells is not None:
                whole[ref] = cells
        else:
            single[(ref, second)] = row[2] if len(row) > 2 else ""
    single.update({(ref, col): value for ref, cells in whole.items()
                   for col, value in cells.items()})
    return single


def row_key(row: Sequence[str]) -> tuple[str, ...]:
    """What identifies a row of the tab, for writing it again in place: the Ref for a
    JSON row, the Ref and column key for a one-cell row."""
    second = row[1] if len(row) > 1 else ""
    return (row[0],) if second.startswith("{") else (row[0], second)


def _parse(text: str) -> dict[str, str] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if all(type(v) is str for v in data.values()):  # as destsync writes it (keys are text)
        return data
    return {k: v if isinstance(v, str) else str(v) for k, v in data.items()}


def by_ref(base: Mapping[tuple[str, str], str]) -> dict[str, dict[str, str]]:
    """The merge base grouped by Ref, in first-seen order."""
    out: dict[str, dict[str, str]] = {}
    for (ref, col), value in base.items():
        out.setdefault(ref, {})[col] = value
    return out


def encode_ref(ref: str, cells: Mapping[str, str]) -> tuple[list[str], list[list[str]]]:
    """One Ref's row ``[Ref, JSON]``, and the one-cell rows of any value too long for the
    JSON cell (the longest first out, until the rest fits)."""
    inline = dict(cells)
    apart: list[list[str]] = []
    text = _dump(inline)
    if len(text) > CELL_LIMIT:
        for col in sorted(inline, key=lambda c: len(inline[c]), reverse=True):
            apart.append([ref, col, inline.pop(col)])
            text = _dump(inline)
            if len(text) <= CELL_LIMIT:
                break
    return [ref, text], apart


def encode(base: Mapping[tuple[str, str], str]) -> list[list[str]]:
    """The whole tab's rows (header excluded), one per Ref plus any long values."""
    rows: list[list[str]] = []
    for ref, cells in by_ref(base).items():
        row, apart = encode_ref(ref, cells)
        rows.append(row)
        rows += apart
    return rows


def _dump(cells: Mapping[str, str]) -> str:
    return json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
