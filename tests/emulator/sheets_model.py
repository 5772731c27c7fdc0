"""In-memory spreadsheets: grids, developer metadata that moves with its rows, and the
structural edits (insert, delete, sort) that both the API and "staff" perform.

Developer metadata on a row is the anchor destsync relies on to find the same student
after staff sort or insert rows, so every structural edit here shifts metadata exactly
as Sheets does: insert before → shifts, delete the row → metadata is deleted, sort →
single-row metadata follows its row.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from .a1 import A1, parse
from .errors import invalid, not_found


@dataclass(frozen=True)
class Formula:
    """A cell entered as a formula (USER_ENTERED "=..."); never produced by RAW writes."""

    text: str


Cell = str | float | int | bool | Formula | None


@dataclass
class Meta:
    id: int
    key: str
    value: str | None
    visibility: str
    kind: str  # SPREADSHEET | SHEET | ROW | COLUMN
    sheet_id: int | None = None
    start: int = 0
    end: int = 0

    def to_json(self) -> dict[str, Any]:
        loc: dict[str, Any] = {"locationType": self.kind}
        if self.kind == "SPREADSHEET":
            loc["spreadsheet"] = True
        elif self.kind == "SHEET":
            loc["sheetId"] = self.sheet_id
        else:
            loc["dimensionRange"] = {
                "sheetId": self.sheet_id,
                "dimension": "ROWS" if self.kind == "ROW" else "COLUMNS",
                "startIndex": self.start,
                "endIndex": self.end,
            }
        out: dict[str, Any] = {"metadataId": self.id, "metadataKey": self.key}
        if self.value is not None:
            out["metadataValue"] = self.value
        out["location"] = loc
        out["visibility"] = self.visibility
        return out


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    row_count: int = 1000
    col_count: int = 26
    frozen_rows: int = 0
    frozen_cols: int = 0
    hidden: bool = False
    rows: list[list[Cell]] = field(default_factory=list)  # ragged; shorter than the grid
    validations: list[dict[str, Any]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)

    def properties(self) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.col_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        props: dict[str, Any] = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props

    def get(self, r: int, c: int) -> Cell:
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def set(self, r: int, c: int, value: Cell) -> None:
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        while len(row) <= c:
            row.append(None)
        row[c] = value

    def used_rows(self) -> int:
        n = len(self.rows)
        while n and not any(v not in (None, "") for v in self.rows[n - 1]):
            n -= 1
        return n


@dataclass
class Spreadsheet:
    id: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)
    metadata: dict[int, Meta] = field(default_factory=dict)
    next_sheet_id: int = 1
    next_meta_id: int = 1
    next_protected_id: int = 1

    def sheet_by_title(self, title: str) -> Sheet:
        for sh in self.sheets:
            if sh.title == title:
                return sh
        raise invalid(f"Unable to parse range: {title}")

    def sheet_by_id(self, sheet_id: int) -> Sheet:
        for sh in self.sheets:
            if sh.sheet_id == sheet_id:
                return sh
        raise invalid(f"No grid with id: {sheet_id}")

    def resolve(self, text: str) -> tuple[Sheet, A1]:
        """Parse A1 text; a range without a sheet name means the first visible sheet."""
        a1 = parse(text, [s.title for s in self.sheets])
        sheet = self.sheet_by_title(a1.sheet) if a1.sheet is not None else self.sheets[0]
        return sheet, a1

    def reindex(self) -> None:
        self.sheets.sort(key=lambda s: s.index)
        for i, sh in enumerate(self.sheets):
            sh.index = i

    def add_meta(self, meta: Meta) -> Meta:
        self.metadata[meta.id] = meta
        self.next_meta_id = max(self.next_meta_id, meta.id + 1)
        return meta

    def snapshot(self) -> Spreadsheet:
        return copy.deepcopy(self)

    # -- structural edits shared by the API and staff actions ------------------------

    def insert_dimension(self, sheet: Sheet, dim: str, start: int, count: int) -> None:
        if dim == "ROWS":
            if start > sheet.row_count:
                raise invalid(f"Invalid requests: startIndex {start} > rowCount")
            if start < len(sheet.rows):
                sheet.rows[start:start] = [[] for _ in range(count)]
            sheet.row_count += count
        else:
            if start > sheet.col_count:
                raise invalid(f"Invalid requests: startIndex {start} > columnCount")
            for row in sheet.rows:
                if start < len(row):
                    row[start:start] = [None] * count
            sheet.col_count += count
        kind = "ROW" if dim == "ROWS" else "COLUMN"
        for m in self._metas_on(sheet, kind):
            if m.start >= start:
                m.start += count
                m.end += count
            elif m.end > start:
                m.end += count  # inserted inside the range: the range grows
        self._shift_ranges(sheet, dim, start, count)

    def delete_dimension(self, sheet: Sheet, dim: str, start: int, end: int) -> None:
        count = end - start
        limit = sheet.row_count if dim == "ROWS" else sheet.col_count
        if start < 0 or end > limit or count <= 0:
            raise invalid(f"Invalid requests[0].deleteDimension: range {start}:{end} out of grid")
        if dim == "ROWS":
            if count >= sheet.row_count:
                raise invalid(
                    "Invalid requests[0].deleteDimension: "
                    "You can't delete all the rows on the sheet."
                )
            del sheet.rows[start:end]
            sheet.row_count -= count
        else:
            if count >= sheet.col_count:
                raise invalid(
                    "Invalid requests[0].deleteDimension: "
                    "You can't delete all the columns on the sheet."
                )
            for row in sheet.rows:
                del row[start:end]
            sheet.col_count -= count
        kind = "ROW" if dim == "ROWS" else "COLUMN"
        for m in list(self._metas_on(sheet, kind)):
            if m.end <= start:
                continue
            if m.start >= end:
                m.start -= count
                m.end -= count
            elif start <= m.start and m.end <= end:
                del self.metadata[m.id]  # its whole range went with the deleted rows
            else:
                overlap = min(m.end, end) - max(m.start, start)
                new_start = min(m.start, start)
                m.end = new_start + (m.end - m.start - overlap)
                m.start = new_start
        self._shift_ranges(sheet, dim, end, -count)

    def sort_rows(
        self,
        sheet: Sheet,
        row0: int,
        row1: int,
        col0: int,
        col1: int,
        specs: list[tuple[int, bool]],
    ) -> None:
        """Sort rows [row0,row1) by (column, descending) specs; metadata follows rows."""
        row1 = min(row1, max(sheet.used_rows(), row0))
        indexes = list(range(row0, row1))

        def key_for(col: int, desc: bool) -> Any:
            def key(r: int) -> Any:
                v = sheet.get(r, col)
                if v is None or v == "":
                    return (1, 0, "")  # blanks always sort last, in either direction
                rank = 0 if isinstance(v, (int, float)) and not isinstance(v, bool) else 1
                text = v if rank == 0 else str(v.text if isinstance(v, Formula) else v).lower()
                return (0, rank, text)  # numbers before text, ascending

            return key

        for col, desc in reversed(specs):  # stable multi-key sort, last key first
            k = key_for(col, desc)
            blanks = [r for r in indexes if k(r)[0] == 1]
            filled = sorted((r for r in indexes if k(r)[0] == 0), key=k, reverse=desc)
            indexes = filled + blanks
        old = {r: [sheet.get(r, c) for c in range(col0, col1)] for r in range(row0, row1)}
        for new_r, old_r in zip(range(row0, row1), indexes):
            for i, c in enumerate(range(col0, col1)):
                if old[old_r][i] is not None or sheet.get(new_r, c) is not None:
                    sheet.set(new_r, c, old[old_r][i])
        # Single-row metadata travels with its row; full-width sorts only (as Sheets).
        moved = {old_r: new_r for new_r, old_r in zip(range(row0, row1), indexes)}
        for m in self._metas_on(sheet, "ROW"):
            if m.end - m.start == 1 and m.start in moved:
                m.start = moved[m.start]
                m.end = m.start + 1

    def _metas_on(self, sheet: Sheet, kind: str) -> list[Meta]:
        return [
            m for m in self.metadata.values() if m.kind == kind and m.sheet_id == sheet.sheet_id
        ]

    @staticmethod
    def _shift_ranges(sheet: Sheet, dim: str, at: int, delta: int) -> None:
        # Validation and protected ranges are GridRanges; keep them on the same cells.
        lo, hi = (
            ("startRowIndex", "endRowIndex")
            if dim == "ROWS"
            else ("startColumnIndex", "endColumnIndex")
        )
        for holder in sheet.validations + sheet.protected:
            rng = holder.get("range", {})
            for k in (lo, hi):
                if k in rng and rng[k] >= at:
                    rng[k] = max(at, rng[k] + delta)


# -- value conversion ---------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def user_entered(value: Any) -> Cell:
    """What Sheets stores when a person (or USER_ENTERED) types `value`."""
    if not isinstance(value, str):
        return value  # type: ignore[no-any-return]
    if value.startswith("'"):
        return value[1:]  # a leading apostrophe forces text, and is not stored
    if value.startswith("=") and len(value) > 1:
        return Formula(value)
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    stripped = value.strip()
    if _NUMBER.match(stripped):
        plain_int = "." not in stripped and "e" not in stripped.lower()
        return int(stripped) if plain_int else float(stripped)
    return value


def render(value: Cell, option: str) -> Any:
    """A stored cell as values.get returns it for a valueRenderOption."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text if option == "FORMULA" else "#FORMULA"
    if option == "FORMATTED_VALUE":
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return value


def extended(value: Cell) -> dict[str, Any]:
    """ExtendedValue JSON for grid data."""
    if isinstance(value, Formula):
        return {"formulaValue": value.text}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": value}
    return {"stringValue": value or ""}


def from_extended(ev: dict[str, Any]) -> Cell:
    if "formulaValue" in ev:
        return Formula(ev["formulaValue"])
    for k in ("stringValue", "numberValue", "boolValue"):
        if k in ev:
            return ev[k]  # type: ignore[no-any-return]
    return None


def require(spreadsheets: dict[str, Spreadsheet], spreadsheet_id: str) -> Spreadsheet:
    if spreadsheet_id not in spreadsheets:
        raise not_found()
    return spreadsheets[spreadsheet_id]
