"""`spreadsheets.batchUpdate` requests and DataFilter resolution.

A batchUpdate is all-or-nothing at Google, so the caller runs `apply_batch` on a copy and
only swaps it in if every request succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import invalid
from .sheets_model import Meta, Sheet, Spreadsheet, from_extended

Bounds = tuple[Sheet, int, int, int, int]  # sheet, row0, row1, col0, col1 (half-open)


# -- DataFilter ---------------------------------------------------------------------------


def meta_location_matches(m: Meta, loc: dict[str, Any], strategy: str) -> bool:
    """Google's EXACT_LOCATION (default) vs INTERSECTING_LOCATION matching."""
    if loc.get("spreadsheet"):
        return m.kind == "SPREADSHEET" or strategy == "INTERSECTING_LOCATION"
    if "sheetId" in loc:
        if strategy == "INTERSECTING_LOCATION":
            return m.sheet_id == loc["sheetId"]
        return m.kind == "SHEET" and m.sheet_id == loc["sheetId"]
    dr = loc.get("dimensionRange")
    if dr:
        kind = "ROW" if dr.get("dimension") == "ROWS" else "COLUMN"
        start, end = dr.get("startIndex", 0), dr.get("endIndex", 10**9)
        if m.kind != kind or m.sheet_id != dr.get("sheetId", 0):
            return False
        if strategy == "INTERSECTING_LOCATION":
            return m.start < end and start < m.end
        return (m.start, m.end) == (start, end)
    return True


def lookup_metas(ss: Spreadsheet, lookup: dict[str, Any]) -> list[Meta]:
    strategy = lookup.get("locationMatchingStrategy", "EXACT_LOCATION")
    out = []
    for m in sorted(ss.metadata.values(), key=lambda m: m.id):
        if "metadataId" in lookup and m.id != lookup["metadataId"]:
            continue
        if "metadataKey" in lookup and m.key != lookup["metadataKey"]:
            continue
        if "metadataValue" in lookup and m.value != lookup["metadataValue"]:
            continue
        if "visibility" in lookup and m.visibility != lookup["visibility"]:
            continue
        if "locationType" in lookup and m.kind != lookup["locationType"]:
            continue
        if "metadataLocation" in lookup and not meta_location_matches(
            m, lookup["metadataLocation"], strategy
        ):
            continue
        out.append(m)
    return out


def bound_a1(ss: Spreadsheet, text: str, anchor: bool = False) -> Bounds:
    """Bounds of an A1 range. With `anchor` (writes), a lone cell like "B2" is only the
    top-left corner: Google lets the values extend right and down from it."""
    sheet, a1 = ss.resolve(text)
    if anchor and a1.single and a1.row0 is not None and a1.col0 is not None:
        return sheet, a1.row0, 10**9, a1.col0, 10**9
    return (
        sheet,
        a1.row0 if a1.row0 is not None else 0,
        a1.row1 if a1.row1 is not None else sheet.row_count,
        a1.col0 if a1.col0 is not None else 0,
        a1.col1 if a1.col1 is not None else sheet.col_count,
    )


def bound_grid(ss: Spreadsheet, gr: dict[str, Any]) -> Bounds:
    sheet = ss.sheet_by_id(gr.get("sheetId", 0))
    return (
        sheet,
        gr.get("startRowIndex", 0),
        gr.get("endRowIndex", sheet.row_count),
        gr.get("startColumnIndex", 0),
        gr.get("endColumnIndex", sheet.col_count),
    )


def meta_bounds(ss: Spreadsheet, m: Meta) -> Bounds | None:
    if m.kind == "SPREADSHEET":
        return None
    sheet = ss.sheet_by_id(m.sheet_id or 0)
    if m.kind == "ROW":
        return sheet, m.start, m.end, 0, sheet.col_count
    if m.kind == "COLUMN":
        return sheet, 0, sheet.row_count, m.start, m.end
    return sheet, 0, sheet.row_count, 0, sheet.col_count


def resolve_filter(ss: Spreadsheet, df: dict[str, Any]) -> list[Bounds]:
    if "a1Range" in df:
        return [bound_a1(ss, df["a1Range"])]
    if "gridRange" in df:
        return [bound_grid(ss, df["gridRange"])]
    if "developerMetadataLookup" in df:
        found = (meta_bounds(ss, m) for m in lookup_metas(ss, df["developerMetadataLookup"]))
        return [b for b in found if b is not None]
    raise invalid(
        "Invalid dataFilter: one of a1Range, gridRange or developerMetadataLookup is required"
    )


def metas_for_filter(ss: Spreadsheet, df: dict[str, Any]) -> list[Meta]:
    """developerMetadata.search: by lookup, or everything located inside a range."""
    if "developerMetadataLookup" in df:
        return lookup_metas(ss, df["developerMetadataLookup"])
    out = []
    for sheet, r0, r1, c0, c1 in resolve_filter(ss, df):
        for m in sorted(ss.metadata.values(), key=lambda m: m.id):
            if m.sheet_id != sheet.sheet_id:
                continue
            if (
                m.kind == "SHEET"
                or (m.kind == "ROW" and m.start < r1 and r0 < m.end)
                or (m.kind == "COLUMN" and m.start < c1 and c0 < m.end)
            ):
                out.append(m)
    return out


# -- batchUpdate requests ---------------------------------------------------------------

Handler = Callable[[Spreadsheet, dict[str, Any]], dict[str, Any] | None]


def _add_sheet(ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    props = req.get("properties", {})
    title = props.get("title") or f"Sheet{len(ss.sheets) + 1}"
    if any(s.title.lower() == title.lower() for s in ss.sheets):
        raise invalid(
            f'Invalid requests[0].addSheet: A sheet with the name "{title}" already exists. '
            "Please enter another name."
        )
    sheet_id = props.get("sheetId", ss.next_sheet_id)
    if any(s.sheet_id == sheet_id for s in ss.sheets):
        raise invalid(f"Invalid requests[0].addSheet: Sheet with id {sheet_id} already exists.")
    ss.next_sheet_id = max(ss.next_sheet_id, sheet_id + 1)
    grid = props.get("gridProperties", {})
    index = props.get("index", len(ss.sheets))
    for s in ss.sheets:
        if s.index >= index:
            s.index += 1
    sheet = Sheet(
        sheet_id,
        title,
        index,
        grid.get("rowCount", 1000),
        grid.get("columnCount", 26),
        grid.get("frozenRowCount", 0),
        grid.get("frozenColumnCount", 0),
        props.get("hidden", False),
    )
    ss.sheets.append(sheet)
    ss.reindex()
    return {"addSheet": {"properties": sheet.properties()}}


def _delete_sheet(ss: Spreadsheet, req: dict[str, Any]) -> None:
    sheet = ss.sheet_by_id(req["sheetId"])
    if len(ss.sheets) == 1:
        raise invalid(
            "Invalid requests[0].deleteSheet: You can't remove all the sheets in a document."
        )
    ss.sheets.remove(sheet)
    for mid in [m.id for m in ss.metadata.values() if m.sheet_id == sheet.sheet_id]:
        del ss.metadata[mid]
    ss.reindex()


def _update_sheet_properties(ss: Spreadsheet, req: dict[str, Any]) -> None:
    props = req.get("properties", {})
    sheet = ss.sheet_by_id(props.get("sheetId", 0))
    fields = req.get("fields")
    if not fields:
        raise invalid(
            "Invalid requests[0].updateSheetProperties: At least one field must be "
            "updated, but 'fields' is empty."
        )
    paths = (
        [
            "title",
            "index",
            "hidden",
            "gridProperties.rowCount",
            "gridProperties.columnCount",
            "gridProperties.frozenRowCount",
            "gridProperties.frozenColumnCount",
        ]
        if fields == "*"
        else [f.strip() for f in fields.split(",")]
    )
    grid = props.get("gridProperties", {})
    for path in paths:
        if path == "gridProperties":
            paths.extend(f"gridProperties.{k}" for k in grid)
            continue
        head, _, tail = path.partition(".")
        value = grid.get(tail) if head == "gridProperties" else props.get(head)
        setter = {
            "title": lambda v: setattr(sheet, "title", v or sheet.title),
            "index": lambda v: setattr(sheet, "index", v or 0),
            "hidden": lambda v: setattr(sheet, "hidden", bool(v)),
            "gridProperties.rowCount": lambda v: setattr(sheet, "row_count", v or sheet.row_count),
            "gridProperties.columnCount": lambda v: setattr(
                sheet, "col_count", v or sheet.col_count
            ),
            "gridProperties.frozenRowCount": lambda v: setattr(sheet, "frozen_rows", v or 0),
            "gridProperties.frozenColumnCount": lambda v: setattr(sheet, "frozen_cols", v or 0),
        }.get(path)
        if setter is None:
            if head in ("tabColor", "tabColorStyle", "rightToLeft", "gridProperties"):
                continue  # cosmetic; accepted and ignored
            raise invalid(f"Invalid requests[0].updateSheetProperties: Invalid field mask: {path}")
        setter(value)
    ss.reindex()


def _create_meta(ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    dm = req.get("developerMetadata", {})
    if not dm.get("metadataKey"):
        raise invalid("Invalid requests[0].createDeveloperMetadata: metadataKey is required")
    if dm.get("visibility") not in ("DOCUMENT", "PROJECT"):
        raise invalid(
            "Invalid requests[0].createDeveloperMetadata: visibility must be DOCUMENT or PROJECT"
        )
    mid = dm.get("metadataId", ss.next_meta_id)
    if mid in ss.metadata:
        raise invalid(
            f"Invalid requests[0].createDeveloperMetadata: Metadata with ID {mid} already exists"
        )
    loc = dm.get("location", {})
    meta = Meta(mid, dm["metadataKey"], dm.get("metadataValue"), dm["visibility"], "SPREADSHEET")
    if "dimensionRange" in loc:
        dr = loc["dimensionRange"]
        sheet = ss.sheet_by_id(dr.get("sheetId", 0))
        meta.kind = "ROW" if dr.get("dimension") == "ROWS" else "COLUMN"
        meta.sheet_id = sheet.sheet_id
        meta.start, meta.end = dr.get("startIndex", 0), dr.get("endIndex", 0)
        if meta.end <= meta.start:
            raise invalid("Invalid requests[0].createDeveloperMetadata: dimensionRange is empty")
    elif "sheetId" in loc:
        meta.kind, meta.sheet_id = "SHEET", ss.sheet_by_id(loc["sheetId"]).sheet_id
    elif not loc.get("spreadsheet"):
        raise invalid("Invalid requests[0].createDeveloperMetadata: location is required")
    ss.add_meta(meta)
    return {"createDeveloperMetadata": {"developerMetadata": meta.to_json()}}


def _filtered_metas(ss: Spreadsheet, filters: list[dict[str, Any]]) -> list[Meta]:
    seen: dict[int, Meta] = {}
    for df in filters:
        for m in metas_for_filter(ss, df):
            seen[m.id] = m
    return list(seen.values())


def _update_meta(ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    if not req.get("fields"):
        raise invalid("Invalid requests[0].updateDeveloperMetadata: 'fields' is required")
    new = req.get("developerMetadata", {})
    fields = {f.strip() for f in req["fields"].split(",")}
    metas = _filtered_metas(ss, req.get("dataFilters", []))
    for m in metas:
        if "metadataKey" in fields or "*" in fields:
            m.key = new.get("metadataKey", m.key)
        if "metadataValue" in fields or "*" in fields:
            m.value = new.get("metadataValue")
        if "visibility" in fields or "*" in fields:
            m.visibility = new.get("visibility", m.visibility)
        if "location" in fields and "location" in new:
            dr = new["location"].get("dimensionRange")
            if dr:
                m.start, m.end = dr.get("startIndex", m.start), dr.get("endIndex", m.end)
    return {"updateDeveloperMetadata": {"developerMetadata": [m.to_json() for m in metas]}}


def _delete_meta(ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    metas = _filtered_metas(ss, [req.get("dataFilter", {})])
    for m in metas:
        del ss.metadata[m.id]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": [m.to_json() for m in metas]}}


def _set_validation(ss: Spreadsheet, req: dict[str, Any]) -> None:
    rng = dict(req.get("range", {}))
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    sheet.validations = [v for v in sheet.validations if v["range"] != rng]
    if req.get("rule"):
        sheet.validations.append({"range": rng, "rule": req["rule"]})


def _add_protected(ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    pr = dict(req.get("protectedRange", {}))
    rng = pr.get("range", {})
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    if pr.get("protectedRangeId") in {p["protectedRangeId"] for s in ss.sheets
                                      for p in s.protected}:  # an error, says discovery
        raise invalid(f"Protected range ID {pr['protectedRangeId']} already exists.")
    pr.setdefault("protectedRangeId", ss.next_protected_id)
    ss.next_protected_id = max(ss.next_protected_id, pr["protectedRangeId"]) + 1
    pr.setdefault("warningOnly", False)
    pr["requestingUserCanEdit"] = True
    sheet.protected.append(pr)
    return {"addProtectedRange": {"protectedRange": pr}}


def _delete_protected(ss: Spreadsheet, req: dict[str, Any]) -> None:
    pid = req.get("protectedRangeId")
    for sheet in ss.sheets:
        for pr in sheet.protected:
            if pr["protectedRangeId"] == pid:
                sheet.protected.remove(pr)
                return
    raise invalid(f"Invalid requests[0].deleteProtectedRange: No protected range with id: {pid}")


def _insert_dimension(ss: Spreadsheet, req: dict[str, Any]) -> None:
    dr = req["range"]
    sheet = ss.sheet_by_id(dr.get("sheetId", 0))
    start = dr.get("startIndex", 0)
    ss.insert_dimension(sheet, dr["dimension"], start, dr.get("endIndex", start) - start)


def _delete_dimension(ss: Spreadsheet, req: dict[str, Any]) -> None:
    dr = req["range"]
    sheet = ss.sheet_by_id(dr.get("sheetId", 0))
    ss.delete_dimension(sheet, dr["dimension"], dr.get("startIndex", 0), dr["endIndex"])


def _append_dimension(ss: Spreadsheet, req: dict[str, Any]) -> None:
    sheet = ss.sheet_by_id(req.get("sheetId", 0))
    if req.get("dimension") == "ROWS":
        sheet.row_count += req.get("length", 0)
    else:
        sheet.col_count += req.get("length", 0)


def _sort_range(ss: Spreadsheet, req: dict[str, Any]) -> None:
    sheet, r0, r1, c0, c1 = bound_grid(ss, req["range"])
    specs = [
        (s.get("dimensionIndex", 0), s.get("sortOrder") == "DESCENDING")
        for s in req.get("sortSpecs", [])
    ]
    ss.sort_rows(sheet, r0, r1, c0, c1, specs)


def _update_cells(ss: Spreadsheet, req: dict[str, Any]) -> None:
    cleared: tuple[int, int] | None = None  # a range's end: what rows leave out is cleared
    if "start" in req:
        sheet = ss.sheet_by_id(req["start"].get("sheetId", 0))
        r0, c0 = req["start"].get("rowIndex", 0), req["start"].get("columnIndex", 0)
    else:
        sheet, r0, r1, c0, c1 = bound_grid(ss, req.get("range", {}))
        cleared = (r1, c1)
    fields = req.get("fields", "")
    if not fields:
        raise invalid(
            "Invalid requests[0].updateCells: At least one field must be "
            "updated, but 'fields' is empty."
        )
    if "userEnteredValue" not in fields and fields != "*":
        return  # formatting-only updates change nothing the emulator models
    rows = req.get("rows", [])
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.get("values", [])):
            if r0 + i >= sheet.row_count or c0 + j >= sheet.col_count:
                raise invalid("Invalid requests[0].updateCells: Range exceeds grid limits.")
            sheet.set(r0 + i, c0 + j, from_extended(cell.get("userEnteredValue", {})))
    if cleared is not None:
        # UpdateCellsRequest.range (discovery): "If the data in rows does not cover the
        # entire requested range, the fields matching those set in fields will be cleared."
        for r in range(r0, min(cleared[0], len(sheet.rows))):
            given = rows[r - r0].get("values", []) if r - r0 < len(rows) else []
            for c in range(c0 + len(given), min(cleared[1], len(sheet.rows[r]))):
                sheet.rows[r][c] = None


def _accept(ss: Spreadsheet, req: dict[str, Any]) -> None:
    return None  # formatting requests: accepted, nothing to model


HANDLERS: dict[str, Handler] = {
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "createDeveloperMetadata": _create_meta,
    "updateDeveloperMetadata": _update_meta,
    "deleteDeveloperMetadata": _delete_meta,
    "setDataValidation": _set_validation,
    "addProtectedRange": _add_protected,
    "deleteProtectedRange": _delete_protected,
    "insertDimension": _insert_dimension,
    "deleteDimension": _delete_dimension,
    "appendDimension": _append_dimension,
    "sortRange": _sort_range,
    "updateCells": _update_cells,
    "repeatCell": _accept,
    "autoResizeDimensions": _accept,
    "updateDimensionProperties": _accept,
}


def apply_batch(ss: Spreadsheet, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    for i, req in enumerate(requests):
        kinds = [k for k, v in req.items() if v is not None]
        if len(kinds) != 1:
            raise invalid(
                f"Invalid requests[{i}]: exactly one request kind must be set, got {kinds}"
            )
        handler = HANDLERS.get(kinds[0])
        if handler is None:
            raise invalid(
                f"Invalid requests[{i}]: request kind '{kinds[0]}' is not supported by the emulator"
            )
        try:
            replies.append(handler(ss, req[kinds[0]]) or {})
        except KeyError as exc:
            raise invalid(f"Invalid requests[{i}].{kinds[0]}: missing field {exc}") from None
    return replies
