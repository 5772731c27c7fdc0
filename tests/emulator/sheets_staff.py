"""Staff actions: what a person does in the Sheets UI between destsync's read and write.

Mixed into SheetsStore so tests call them as `emu.state.sheets.sort_rows(...)`. Each one
goes through the same structural edits as the API, so developer metadata moves with rows.
"""

from __future__ import annotations

from typing import Any

from .a1 import col_to_index
from .sheets_batch import Bounds, bound_a1
from .sheets_model import Sheet, Spreadsheet, require, user_entered


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

    def edit_cell(self, spreadsheet_id: str, title: str, a1: str, value: Any) -> None:
        ss, sheet = self._sheet(spreadsheet_id, title)
        _, r0, _, c0, _ = bound_a1(ss, f"{sheet.title}!{a1}" if "!" not in a1 else a1)
        sheet.set(r0, c0, user_entered(value) if value != "" else None)

    def sort_rows(
        self,
        spreadsheet_id: str,
        title: str,
        by_col: int | str,
        descending: bool = False,
        header_rows: int = 1,
    ) -> None:
        """Sort the rows below the header by one column (0-based index or letter)."""
        ss, sheet = self._sheet(spreadsheet_id, title)
        col = col_to_index(by_col) if isinstance(by_col, str) else by_col
        ss.sort_rows(sheet, header_rows, sheet.row_count, 0, sheet.col_count, [(col, descending)])

    def insert_row(
        self, spreadsheet_id: str, title: str, index: int, values: list[Any] | None = None
    ) -> None:
        """Insert an empty row before 0-based `index` (optionally typed into at once)."""
        ss, sheet = self._sheet(spreadsheet_id, title)
        ss.insert_dimension(sheet, "ROWS", index, 1)
        for c, v in enumerate(values or []):
            sheet.set(index, c, user_entered(v))

    def insert_column(
        self, spreadsheet_id: str, title: str, index: int, header: str | None = None
    ) -> None:
        ss, sheet = self._sheet(spreadsheet_id, title)
        ss.insert_dimension(sheet, "COLUMNS", index, 1)
        if header is not None:
            sheet.set(0, index, header)

    def delete_row(self, spreadsheet_id: str, title: str, index: int) -> None:
        ss, sheet = self._sheet(spreadsheet_id, title)
        ss.delete_dimension(sheet, "ROWS", index, index + 1)

    def rename_header(
        self, spreadsheet_id: str, title: str, old: str, new: str, header_row: int = 0
    ) -> None:
        _, sheet = self._sheet(spreadsheet_id, title)
        row = sheet.rows[header_row] if header_row < len(sheet.rows) else []
        for c, v in enumerate(row):
            if v == old:
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
