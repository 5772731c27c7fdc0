"""Staff actions: what a person does in the Sheets UI between destsync's read and write.

Mixed into SheetsStore so tests call them as `emu.state.sheets.sort_rows(...)`. Each one
goes through the same structural edits as the API, so developer metadata moves with rows.

Protection holds for people as in the Sheets UI: an action on cells of a full (not
warning-only) protected range raises ``Protected`` unless the person is one of its
``editors.users`` or the spreadsheet's owner, whom Google never keeps out (Apps Script
``Protection.removeEditor``: the owner cannot be removed). Actions are by ``STAFF`` (an
editor of the spreadsheet, not its owner) unless ``user=`` says otherwise.
"""

from __future__ import annotations

from typing import Any

from .a1 import col_to_index
from .sheets_batch import Bounds, bound_a1
from .sheets_model import Sheet, Spreadsheet, require, user_entered

STAFF = "staff@example.org"
OWNER = "owner@example.org"
EVERYWHERE = (0, 1 << 30)


class Protected(Exception):
    """What Sheets shows a person who edits a protected cell (their edit does not land)."""

    def __init__(self, title: str) -> None:
        super().__init__(f"{title}: You are trying to edit a protected cell or object. "
                         "Please contact the spreadsheet owner to remove protection if you "
                         "need to edit.")


def refuse(sheet: Sheet, user: str, rows: tuple[int, int], cols: tuple[int, int]) -> None:
    """Raise Protected if a full protection on ``sheet`` covering any of rows x cols
    (0-based, end exclusive) keeps ``user`` out."""
    if user == OWNER:
        return
    for pr in sheet.protected:
        if pr.get("warningOnly") or user in pr.get("editors", {}).get("users", []):
            continue
        rng = pr.get("range", {})
        r0, r1 = rng.get("startRowIndex", 0), rng.get("endRowIndex", 1 << 30)
        c0, c1 = rng.get("startColumnIndex", 0), rng.get("endColumnIndex", 1 << 30)
        if r0 < rows[1] and rows[0] < r1 and c0 < cols[1] and cols[0] < c1:
            raise Protected(sheet.title)


class StaffActions:
    spreadsheets: dict[str, Spreadsheet]

    def book(self, spreadsheet_id: str) -> Spreadsheet:
        return require(self.spreadsheets, spreadsheet_id)

    def read(
        self, b: Bounds, major: str = "ROWS", option: str = "FORMATTED_VALUE"
    ) -> dict[str, Any]:
        raise NotImplementedError  # provided by SheetsStore

    def _sheet(self, spreadsheet_id: str, title: str) -> tuple[Spreadsheet, Sheet]:
        ss = self.book(spreadsheet_id)
        return ss, ss.sheet_by_title(title)

    def edit_cell(self, spreadsheet_id: str, title: str, a1: str, value: Any,
                  user: str = STAFF) -> None:
        ss, sheet = self._sheet(spreadsheet_id, title)
        _, r0, _, c0, _ = bound_a1(ss, f"{sheet.title}!{a1}" if "!" not in a1 else a1)
        refuse(sheet, user, (r0, r0 + 1), (c0, c0 + 1))
        sheet.set(r0, c0, user_entered(value) if value != "" else None)

    def sort_rows(
        self,
        spreadsheet_id: str,
        title: str,
        by_col: int | str,
        descending: bool = False,
        header_rows: int = 1,
        user: str = STAFF,
    ) -> None:
        """Sort the rows below the header by one column (0-based index or letter)."""
        ss, sheet = self._sheet(spreadsheet_id, title)
        refuse(sheet, user, (header_rows, sheet.row_count), EVERYWHERE)
        col = col_to_index(by_col) if isinstance(by_col, str) else by_col
        ss.sort_rows(sheet, header_rows, sheet.row_count, 0, sheet.col_count, [(col, descending)])

    def insert_row(
        self, spreadsheet_id: str, title: str, index: int, values: list[Any] | None = None,
        user: str = STAFF,
    ) -> None:
        """Insert an empty row before 0-based `index` (optionally typed into at once)."""
        ss, sheet = self._sheet(spreadsheet_id, title)
        refuse(sheet, user, (index, index + 1), EVERYWHERE)
        ss.insert_dimension(sheet, "ROWS", index, 1)
        for c, v in enumerate(values or []):
            sheet.set(index, c, user_entered(v))

    def insert_column(
        self, spreadsheet_id: str, title: str, index: int, header: str | None = None,
        user: str = STAFF,
    ) -> None:
        ss, sheet = self._sheet(spreadsheet_id, title)
        refuse(sheet, user, EVERYWHERE, (index, index + 1))
        ss.insert_dimension(sheet, "COLUMNS", index, 1)
        if header is not None:
            sheet.set(0, index, header)

    def delete_row(self, spreadsheet_id: str, title: str, index: int,
                   user: str = STAFF) -> None:
        ss, sheet = self._sheet(spreadsheet_id, title)
        refuse(sheet, user, (index, index + 1), EVERYWHERE)
        ss.delete_dimension(sheet, "ROWS", index, index + 1)

    def rename_header(
        self, spreadsheet_id: str, title: str, old: str, new: str, header_row: int = 0,
        user: str = STAFF,
    ) -> None:
        _, sheet = self._sheet(spreadsheet_id, title)
        row = sheet.rows[header_row] if header_row < len(sheet.rows) else []
        for c, v in enumerate(row):
            if v == old:
                refuse(sheet, user, (header_row, header_row + 1), (c, c + 1))
                sheet.set(header_row, c, new)
                return
        raise KeyError(f"no header {old!r} in {title!r}")

    def values(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        """The sheet's values as FORMATTED_VALUE rows (convenient for assertions)."""
        _, sheet = self._sheet(spreadsheet_id, title)
        return list(self.read((sheet, 0, sheet.row_count, 0, sheet.col_count)).get("values", []))

    def row_metadata(self, spreadsheet_id: str, key: str) -> dict[str, int]:
        """metadataValue -> current 0-based row, for every ROW metadata with `key`."""
        ss = self.book(spreadsheet_id)
        return {
            m.value or "": m.start for m in ss.metadata.values() if m.kind == "ROW" and m.key == key
        }
