"""Sheets v4 methods over the in-memory model, plus "staff actions" for tests.

Staff actions are what a person does in the Sheets UI between destsync's read and its
write: edit a cell, sort the tracker, insert a row or column, rename a header.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from .a1 import format_range
from .errors import ApiError, invalid, not_found
from .sheets_batch import Bounds, apply_batch, bound_a1, metas_for_filter, resolve_filter
from .sheets_model import Cell, Meta, Sheet, Spreadsheet, extended, render, require, user_entered
from .sheets_staff import StaffActions

Handler = Callable[[dict[str, str], dict[str, Any], Any], dict[str, Any]]


def _transpose(values: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in values), default=0)
    return [[r[i] if i < len(r) else None for r in values] for i in range(width)]


class SheetsStore(StaffActions):
    def __init__(self) -> None:
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.handlers: dict[str, Handler] = {
            "sheets.spreadsheets.create": self._create,
            "sheets.spreadsheets.get": self._get,
            "sheets.spreadsheets.batchUpdate": self._batch_update,
            "sheets.spreadsheets.values.get": self._values_get,
            "sheets.spreadsheets.values.batchGet": self._values_batch_get,
            "sheets.spreadsheets.values.update": self._values_update,
            "sheets.spreadsheets.values.batchUpdate": self._values_batch_update,
            "sheets.spreadsheets.values.append": self._values_append,
            "sheets.spreadsheets.values.clear": self._values_clear,
            "sheets.spreadsheets.values.batchClear": self._values_batch_clear,
            "sheets.spreadsheets.values.batchGetByDataFilter": self._values_get_by_filter,
            "sheets.spreadsheets.values.batchUpdateByDataFilter": self._values_update_by_filter,
            "sheets.spreadsheets.developerMetadata.search": self._meta_search,
            "sheets.spreadsheets.developerMetadata.get": self._meta_get,
        }

    def book(self, spreadsheet_id: str) -> Spreadsheet:
        return require(self.spreadsheets, spreadsheet_id)

    # -- spreadsheets ---------------------------------------------------------------

    def create(
        self,
        title: str = "Untitled spreadsheet",
        sheet_titles: list[str] | None = None,
        spreadsheet_id: str | None = None,
    ) -> Spreadsheet:
        """Python-side create, also used by seeding."""
        ss = Spreadsheet(spreadsheet_id or uuid.uuid4().hex[:20], title)
        for i, name in enumerate(sheet_titles or ["Sheet1"]):
            ss.sheets.append(Sheet(ss.next_sheet_id if i else 0, name, i))
            ss.next_sheet_id += 1 if i else 0
        self.spreadsheets[ss.id] = ss
        return ss

    def _create(self, _p: dict[str, str], _q: dict[str, Any], body: Any) -> dict[str, Any]:
        props = body.get("properties", {})
        ss = self.create(props.get("title", "Untitled spreadsheet"), [], body.get("spreadsheetId"))
        ss.sheets.clear()
        requests = []
        for i, spec in enumerate(body.get("sheets", [])):
            props = dict(spec.get("properties", {}))
            if i == 0:
                props.setdefault("sheetId", 0)  # Google gives the first sheet gid 0
            requests.append({"addSheet": {"properties": props}})
        apply_batch(
            ss, requests or [{"addSheet": {"properties": {"title": "Sheet1", "sheetId": 0}}}]
        )
        return self.to_json(ss, include_grid=False)

    def to_json(self, ss: Spreadsheet, include_grid: bool) -> dict[str, Any]:
        sheets = []
        for sh in ss.sheets:
            entry: dict[str, Any] = {"properties": sh.properties()}
            # Sheet.developerMetadata holds only metadata located on the sheet itself;
            # row/column metadata appears in data[].rowMetadata, as Google returns it.
            on_sheet = [
                m.to_json()
                for m in ss.metadata.values()
                if m.kind == "SHEET" and m.sheet_id == sh.sheet_id
            ]
            if on_sheet:
                entry["developerMetadata"] = on_sheet
            if sh.protected:
                entry["protectedRanges"] = [dict(p) for p in sh.protected]
            if include_grid:
                entry["data"] = [self._grid_data(ss, sh)]
            sheets.append(entry)
        out: dict[str, Any] = {
            "spreadsheetId": ss.id,
            "properties": {
                "title": ss.title,
                "locale": "en_GB",
                "timeZone": "Europe/London",
                "autoRecalc": "ON_CHANGE",
            },
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.id}/edit",
        }
        top = [m.to_json() for m in ss.metadata.values() if m.kind == "SPREADSHEET"]
        if top:
            out["developerMetadata"] = top
        return out

    @staticmethod
    def _grid_data(ss: Spreadsheet, sh: Sheet) -> dict[str, Any]:
        row_data = []
        for r in range(sh.used_rows()):
            row = sh.rows[r]
            cells: list[dict[str, Any]] = []
            for v in row:
                cells.append(
                    {}
                    if v is None
                    else {
                        "userEnteredValue": extended(v),
                        "formattedValue": render(v, "FORMATTED_VALUE"),
                    }
                )
            row_data.append({"values": cells} if cells else {})
        row_meta: list[dict[str, Any]] = [{"pixelSize": 21} for _ in range(sh.row_count)]
        for m in ss.metadata.values():
            if m.kind == "ROW" and m.sheet_id == sh.sheet_id:
                for r in range(m.start, min(m.end, sh.row_count)):
                    row_meta[r].setdefault("developerMetadata", []).append(m.to_json())
        return {
            "rowData": row_data,
            "rowMetadata": row_meta,
            "columnMetadata": [{"pixelSize": 100} for _ in range(sh.col_count)],
        }

    def _get(self, p: dict[str, str], q: dict[str, Any], _b: Any) -> dict[str, Any]:
        return self.to_json(self.book(p["spreadsheetId"]), bool(q.get("includeGridData", False)))

    def _batch_update(self, p: dict[str, str], _q: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        work = ss.snapshot()  # all-or-nothing, as Google: failures leave the sheet untouched
        replies = apply_batch(work, body.get("requests", []))
        self.spreadsheets[ss.id] = work
        out: dict[str, Any] = {"spreadsheetId": ss.id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            out["updatedSpreadsheet"] = self.to_json(
                work, bool(body.get("responseIncludeGridData"))
            )
        return out

    # -- values: reading ---------------------------------------------------------------

    @staticmethod
    def _check_grid(b: Bounds) -> None:
        sheet, r0, _, c0, _ = b
        if r0 >= sheet.row_count or c0 >= sheet.col_count:
            cell = format_range(sheet.title, r0, r0 + 1, c0, c0 + 1)
            raise invalid(
                f"Range ({cell}) exceeds grid limits. Max rows: {sheet.row_count}, "
                f"max columns: {sheet.col_count}"
            )

    def read(
        self, b: Bounds, major: str = "ROWS", option: str = "FORMATTED_VALUE"
    ) -> dict[str, Any]:
        self._check_grid(b)
        sheet, r0, r1, c0, c1 = b
        r1, c1 = min(r1, sheet.row_count), min(c1, sheet.col_count)
        values = [
            [render(sheet.get(r, c), option) for c in range(c0, c1)]
            for r in range(r0, min(r1, len(sheet.rows)))
        ]
        if major == "COLUMNS":
            values = _transpose(values)
        for row in values:  # Google trims trailing empty cells and rows
            while row and row[-1] == "":
                row.pop()
        while values and not values[-1]:
            values.pop()
        out: dict[str, Any] = {
            "range": format_range(sheet.title, r0, r1, c0, c1),
            "majorDimension": major,
        }
        if values:
            out["values"] = values
        return out

    def _values_get(self, p: dict[str, str], q: dict[str, Any], _b: Any) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        return self.read(
            bound_a1(ss, p["range"]),
            q.get("majorDimension", "ROWS"),
            q.get("valueRenderOption", "FORMATTED_VALUE"),
        )

    def _values_batch_get(self, p: dict[str, str], q: dict[str, Any], _b: Any) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        ranges = [
            self.read(
                bound_a1(ss, r),
                q.get("majorDimension", "ROWS"),
                q.get("valueRenderOption", "FORMATTED_VALUE"),
            )
            for r in q.get("ranges", [])
        ]
        out: dict[str, Any] = {"spreadsheetId": ss.id}
        if ranges:
            out["valueRanges"] = ranges
        return out

    def _values_get_by_filter(
        self, p: dict[str, str], _q: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        major = body.get("majorDimension", "ROWS")
        option = body.get("valueRenderOption", "FORMATTED_VALUE")
        matched = []
        for df in body.get("dataFilters", []):
            for b in resolve_filter(ss, df):
                matched.append({"valueRange": self.read(b, major, option), "dataFilters": [df]})
        out: dict[str, Any] = {"spreadsheetId": ss.id}
        if matched:
            out["valueRanges"] = matched
        return out

    # -- values: writing ---------------------------------------------------------------

    def write(
        self,
        b: Bounds,
        values: list[list[Any]],
        input_option: str,
        major: str = "ROWS",
        expand: bool = False,
    ) -> dict[str, Any]:
        """Write a ValueRange into bounds; `null` cells are skipped, "" clears, as Google."""
        if input_option not in ("RAW", "USER_ENTERED"):
            raise invalid("Invalid valueInputOption: must be RAW or USER_ENTERED")
        sheet, r0, r1, c0, c1 = b
        if major == "COLUMNS":
            values = _transpose(values)
        height = len(values)
        width = max((len(r) for r in values), default=0)
        if r0 + height > r1 or c0 + width > c1:
            raise invalid(
                f"Requested writing within range [{format_range(sheet.title, r0, r1, c0, c1)}], "
                f"but tried writing to {'row' if r0 + height > r1 else 'column'} "
                f"[{r0 + height if r0 + height > r1 else c0 + width}]"
            )
        if expand:
            sheet.row_count = max(sheet.row_count, r0 + height)
            sheet.col_count = max(sheet.col_count, c0 + width)
        elif height:
            self._check_grid((sheet, r0 + height - 1, 0, c0 + max(width - 1, 0), 0))
        rows, cols, cells = set(), set(), 0
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, (list, dict)):
                    raise invalid(f"Invalid values[{i}][{j}]: {v!r}")
                stored: Cell = user_entered(v) if input_option == "USER_ENTERED" else v
                sheet.set(r0 + i, c0 + j, None if stored == "" else stored)
                rows.add(i)
                cols.add(j)
                cells += 1
        out: dict[str, Any] = {
            "spreadsheetId": "",
            "updatedRange": format_range(
                sheet.title, r0, r0 + max(height, 1), c0, c0 + max(width, 1)
            ),
        }
        if cells:
            out.update(updatedRows=len(rows), updatedColumns=len(cols), updatedCells=cells)
        return out

    def _values_update(self, p: dict[str, str], q: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        opt = self._input_option(q)
        if body.get("range") and bound_a1(ss, body["range"])[1:] != bound_a1(ss, p["range"])[1:]:
            raise invalid(
                f"Requested range [{p['range']}] must match the range in the body [{body['range']}]"
            )
        res = self.write(
            bound_a1(ss, p["range"], anchor=True),
            body.get("values", []),
            opt,
            body.get("majorDimension", "ROWS"),
        )
        res["spreadsheetId"] = ss.id
        self._echo(ss, res, q)
        return res

    def _echo(self, ss: Spreadsheet, res: dict[str, Any], opts: dict[str, Any]) -> None:
        if opts.get("includeValuesInResponse"):
            res["updatedData"] = self.read(
                bound_a1(ss, res["updatedRange"]),
                "ROWS",
                opts.get("responseValueRenderOption", "FORMATTED_VALUE"),
            )

    @staticmethod
    def _input_option(q: dict[str, Any]) -> str:
        if "valueInputOption" not in q:
            raise invalid("'valueInputOption' is required but not specified")
        return str(q["valueInputOption"])

    def _totals(self, ss: Spreadsheet, responses: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {"spreadsheetId": ss.id}
        cells = sum(r.get("updatedCells", 0) for r in responses)
        if cells:
            out.update(
                totalUpdatedRows=sum(r.get("updatedRows", 0) for r in responses),
                totalUpdatedColumns=sum(r.get("updatedColumns", 0) for r in responses),
                totalUpdatedCells=cells,
                totalUpdatedSheets=len(
                    {
                        r["updatedRange"].rsplit("!", 1)[0]
                        for r in responses
                        if r.get("updatedCells")
                    }
                ),
            )
        out["responses"] = responses
        return out

    def _values_batch_update(
        self, p: dict[str, str], _q: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        opt = self._input_option(body)
        work = ss.snapshot()
        responses = []
        for vr in body.get("data", []):
            res = self.write(
                bound_a1(work, vr.get("range", ""), anchor=True),
                vr.get("values", []),
                opt,
                vr.get("majorDimension", "ROWS"),
            )
            res["spreadsheetId"] = ss.id
            responses.append(res)
        self.spreadsheets[ss.id] = work
        for res in responses:
            self._echo(work, res, body)
        return self._totals(work, responses)

    def _values_update_by_filter(
        self, p: dict[str, str], _q: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        opt = self._input_option(body)
        work = ss.snapshot()
        responses = []
        for item in body.get("data", []):
            df = item.get("dataFilter", {})
            for b in resolve_filter(work, df):
                res = self.write(b, item.get("values", []), opt, item.get("majorDimension", "ROWS"))
                res.pop("spreadsheetId")
                res["dataFilter"] = df
                responses.append(res)
        self.spreadsheets[ss.id] = work
        return self._totals(work, responses)

    def _values_append(self, p: dict[str, str], q: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        opt = self._input_option(q)
        # The range only says where to look for the table: "A1" searches from A1 on.
        sheet, r0, r1, c0, c1 = bound_a1(ss, p["range"], anchor=True)
        r1, c1 = min(r1, sheet.row_count), min(c1, sheet.col_count)
        values = body.get("values", [])
        # The "table" is the used block in the range's columns; append right below it.
        last = r0 - 1
        for r in range(r0, min(r1, len(sheet.rows))):
            if any(sheet.get(r, c) not in (None, "") for c in range(c0, min(c1, sheet.col_count))):
                last = r
        at = last + 1
        if q.get("insertDataOption") == "INSERT_ROWS" and values:
            ss.insert_dimension(sheet, "ROWS", min(at, sheet.row_count), len(values))
        width = max((len(r) for r in values), default=0)
        res = self.write(
            (sheet, at, 10**9, c0, max(c1, c0 + width)),
            values,
            opt,
            body.get("majorDimension", "ROWS"),
            expand=True,
        )
        res["spreadsheetId"] = ss.id
        self._echo(ss, res, q)
        out: dict[str, Any] = {"spreadsheetId": ss.id, "updates": res}
        if last >= r0:
            used = max(len(sheet.rows[r]) for r in range(r0, last + 1))
            right = max(c0 + 1, min(c1, used))
            out["tableRange"] = format_range(sheet.title, r0, last + 1, c0, right)
        return out

    def _values_clear(self, p: dict[str, str], _q: dict[str, Any], _b: Any) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        return {"spreadsheetId": ss.id, "clearedRange": self.clear(bound_a1(ss, p["range"]))}

    def _values_batch_clear(
        self, p: dict[str, str], _q: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        cleared = [self.clear(bound_a1(ss, r)) for r in body.get("ranges", [])]
        return {"spreadsheetId": ss.id, "clearedRanges": cleared}

    def clear(self, b: Bounds) -> str:
        sheet, r0, r1, c0, c1 = b
        r1, c1 = min(r1, sheet.row_count), min(c1, sheet.col_count)
        for r in range(r0, min(r1, len(sheet.rows))):
            for c in range(c0, min(c1, len(sheet.rows[r]))):
                sheet.rows[r][c] = None
        return format_range(sheet.title, r0, r1, c0, c1)

    # -- developer metadata ---------------------------------------------------------------

    def _meta_search(self, p: dict[str, str], _q: dict[str, Any], body: Any) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        matched: dict[int, dict[str, Any]] = {}
        for df in body.get("dataFilters", []):
            for m in metas_for_filter(ss, df):
                entry = matched.setdefault(
                    m.id, {"developerMetadata": m.to_json(), "dataFilters": []}
                )
                entry["dataFilters"].append(df)
        return {"matchedDeveloperMetadata": list(matched.values())} if matched else {}

    def _meta_get(self, p: dict[str, str], _q: dict[str, Any], _b: Any) -> dict[str, Any]:
        ss = self.book(p["spreadsheetId"])
        try:
            return ss.metadata[int(p["metadataId"])].to_json()
        except (KeyError, ValueError):
            raise not_found(f"No developer metadata with ID: {p['metadataId']}") from None

    def seed(self, doc: dict[str, Any]) -> Spreadsheet:
        """Create a spreadsheet from `{"spreadsheetId", "title", "sheets": [...]}` (see control)."""
        specs = doc.get("sheets", [{"title": "Sheet1"}])
        ss = self.create(
            doc.get("title", "Seeded"), [s["title"] for s in specs], doc.get("spreadsheetId")
        )
        for spec, sheet in zip(specs, ss.sheets):
            values = spec.get("values", [])
            sheet.row_count = max(spec.get("rowCount", 1000), len(values))
            sheet.col_count = max(
                spec.get("columnCount", 26), max((len(r) for r in values), default=0)
            )
            sheet.frozen_rows = spec.get("frozenRowCount", 0)
            sheet.hidden = spec.get("hidden", False)
            for r, row in enumerate(values):
                for c, v in enumerate(row):
                    if v is not None and v != "":
                        sheet.set(r, c, user_entered(v) if spec.get("userEntered") else v)
            for rm in spec.get("rowMetadata", []):  # {"row": 0-based, "key", "value"}
                ss.add_meta(
                    Meta(
                        ss.next_meta_id,
                        rm["key"],
                        rm.get("value"),
                        rm.get("visibility", "DOCUMENT"),
                        "ROW",
                        sheet.sheet_id,
                        rm["row"],
                        rm["row"] + 1,
                    )
                )
        return ss

    def call(
        self, method_id: str, p: dict[str, str], q: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        handler = self.handlers.get(method_id)
        if handler is None:
            raise ApiError(
                501, f"Method {method_id} is not implemented by the emulator", "UNIMPLEMENTED"
            )
        return handler(p, q, body or {})
