"""A1 notation: parse `'My tab'!A1:C3`, `A:C`, `2:5`, `Tab` and format ranges back.

Indexes are 0-based and half-open, like the Sheets API's GridRange. `None` means
unbounded (a whole column `A:C` has no row bounds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import invalid

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


@dataclass(frozen=True)
class A1:
    sheet: str | None
    row0: int | None
    row1: int | None
    col0: int | None
    col1: int | None
    single: bool = False  # "B2" alone: a write anchored there may extend past it


def col_to_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def index_to_col(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def quote_sheet(title: str) -> str:
    """Google quotes a sheet name unless it is a plain identifier-like word."""
    looks_like_cell = re.fullmatch(r"[A-Za-z]{1,3}\d+", title) is not None
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not looks_like_cell:
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str]:
    """Split `'It''s'!A1` into ("It's", "A1"); a bare word may be a sheet or a cell."""
    if text.startswith("'"):
        i = 1
        name = ""
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    name += "'"
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest.startswith("!"):
                    return name, rest[1:]
                if rest == "":
                    return name, ""
                raise invalid(f"Unable to parse range: {text}")
            name += text[i]
            i += 1
        raise invalid(f"Unable to parse range: {text}")
    if "!" in text:
        sheet, _, cells = text.rpartition("!")
        return sheet, cells
    return None, text


def parse(text: str, sheet_titles: list[str]) -> A1:
    """Parse an A1 range. A bare word that names a sheet means the whole sheet."""
    sheet, cells = split_sheet(text.strip())
    if sheet is None and cells in sheet_titles:
        return A1(cells, None, None, None, None)
    if cells == "":
        return A1(sheet, None, None, None, None)
    parts = cells.split(":")
    if len(parts) > 2:
        raise invalid(f"Unable to parse range: {text}")
    start = _CELL.match(parts[0])
    end = _CELL.match(parts[-1])
    if not start or not end or (not parts[0]) or (not parts[-1]):
        raise invalid(f"Unable to parse range: {text}")
    c0, r0 = start.group(1), start.group(2)
    c1, r1 = end.group(1), end.group(2)
    if len(parts) == 1 and not (c0 and r0):
        raise invalid(f"Unable to parse range: {text}")
    row0 = int(r0) - 1 if r0 else None
    row1 = int(r1) if r1 else None
    col0 = col_to_index(c0) if c0 else None
    col1 = col_to_index(c1) + 1 if c1 else None
    if (row0 is not None and row0 < 0) or (row1 is not None and row1 < 1):
        raise invalid(f"Unable to parse range: {text}")
    # "A1:B" style mixes are legal in Sheets: the open end runs to the grid edge.
    if row0 is not None and row1 is not None and row1 <= row0:
        row0, row1 = row1 - 1, row0 + 1
    if col0 is not None and col1 is not None and col1 <= col0:
        col0, col1 = col1 - 1, col0 + 1
    return A1(sheet, row0, row1, col0, col1, single=len(parts) == 1)


def format_range(title: str, row0: int, row1: int, col0: int, col1: int) -> str:
    """Format a bounded range the way Google echoes it: `Tracker!A1:C3` / `'My tab'!B2`."""
    start = f"{index_to_col(col0)}{row0 + 1}"
    end = f"{index_to_col(col1 - 1)}{row1}"
    cells = start if start == end else f"{start}:{end}"
    return f"{quote_sheet(title)}!{cells}"


def cell_name(row0: int, col0: int) -> str:
    """A single cell's A1 name from 0-based indices: (0, 27) -> "AB1"."""
    return f"{index_to_col(col0)}{row0 + 1}"
