"""The Sheets v4 endpoints destsync uses, over gspread's one HTTP layer, and the A1 and
request-body helpers around them.

All endpoints are here, one method each, so the tracker never builds a URL. gspread's
``http_client.request`` reaches the endpoints it has no helper for (the data-filter ones).
Every error leaves as a destsync error with one line: a refused credential is a
CredentialError, a missing or unshared spreadsheet a TrackerError, anything else after the
retry budget a RemoteError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from destsync.adapters.google.credentials import explain_auth_failure
from destsync.errors import CredentialError, RemoteError, TrackerError

BASE = "https://sheets.googleapis.com/v4/spreadsheets"
# Google recommends "a 2 MB maximum payload" (Sheets API, Usage limits); a values write
# larger than that goes in parts, in order, each under it.
MAX_BODY = 2_000_000
ANCHOR_KEY = "destsync.ref"  # ROW metadata: value is the row's Ref
COLUMN_KEY = "destsync.col"  # COLUMN metadata: value "ref" marks the Ref column
MARK_KEY = "destsync.write"  # SPREADSHEET metadata: the last structural write's id
SETUP_KEY = "destsync.setup"  # SPREADSHEET metadata: a hash of what setup last applied


# Both reads render values the same way: numbers as numbers, dates as the sheet shows
# them (layout.canonical_text reads UK dates back), one list per row.
READ_OPTIONS: dict[str, str] = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "FORMATTED_STRING",
    "majorDimension": "ROWS",
}


def quote(tab: str) -> str:
    return "'" + tab.replace("'", "''") + "'"


def col_letter(n: int) -> str:
    """1-based column number -> letters (1 -> A, 27 -> AA)."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def a1(tab: str, row0: int, col0: int, rows: int, cols: int) -> str:
    """A1 range of ``rows`` x ``cols`` cells from 1-based (row0, col0)."""
    return (
        f"{quote(tab)}!{col_letter(col0)}{row0}:"
        f"{col_letter(col0 + cols - 1)}{row0 + rows - 1}"
    )


def row_lookup(ref: str) -> dict[str, Any]:
    return {
        "developerMetadataLookup": {
            "metadataKey": ANCHOR_KEY,
            "metadataValue": ref,
            "locationType": "ROW",
        }
    }


def row_of(a1_range: str) -> int:
    """First row number of an A1 range such as ``'Tracker'!A7:BH7``."""
    cells = a1_range.rsplit("!", 1)[-1].split(":", 1)[0]
    digits = "".join(ch for ch in cells if ch.isdigit())
    return int(digits) if digits else 1


def col_of(a1_range: str) -> int:
    """First column number of an A1 range such as ``'Tracker'!C1:C2000``."""
    cells = a1_range.rsplit("!", 1)[-1].split(":", 1)[0]
    letters = "".join(ch for ch in cells if ch.isalpha())
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n or 1


def meta(key: str, value: str, location: dict[str, Any]) -> dict[str, Any]:
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": key,
                "metadataValue": value,
                "location": location,
                "visibility": "DOCUMENT",
            }
        }
    }


def rows_location(sheet_id: int, start: int, end: int) -> dict[str, Any]:
    return {"dimensionRange": {"sheetId": sheet_id, "dimension": "ROWS",
                               "startIndex": start, "endIndex": end}}


def ref_column_anchor(sheet_id: int, index0: int) -> dict[str, Any]:
    """The request anchoring the Ref column (0-based ``index0``), so writes find it after
    staff move columns."""
    return meta(COLUMN_KEY, "ref", {"dimensionRange": {
        "sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index0,
        "endIndex": index0 + 1}})


def forget(marks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests deleting developer metadata by id (earlier markers, so none pile up)."""
    return [
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
            "metadataId": m["metadataId"]}}}}
        for m in marks if "metadataId" in m
    ]


def text_cells(values: Sequence[str | None]) -> dict[str, Any]:
    """A RowData of text cells. stringValue is stored as typed, never parsed: a value that
    starts with '=' stays text (the updateCells twin of valueInputOption RAW)."""
    return {"values": [{} if v is None else {"userEnteredValue": {"stringValue": v}}
                       for v in values]}


def row_write(ref: str, values: Mapping[Any, str], col: Mapping[Any, int],
               rest: str | None) -> dict[str, Any]:
    """A values write on the row anchored to ``ref``: ``values`` by key, placed by ``col``
    (key -> 1-based column); other cells get ``rest`` (None leaves them alone)."""
    width = max(col.values())
    row: list[str | None] = [rest] * width
    for key, value in values.items():
        if key in col:
            row[col[key] - 1] = value
    return {"dataFilter": row_lookup(ref), "majorDimension": "ROWS", "values": [row]}


def by_ref(changes: list[tuple[str, int, str]]) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for ref, c, v in changes:
        out.setdefault(ref, []).append((c, v))
    return out


def block(tab: str, start: int, rows: list[list[str]]) -> dict[str, Any]:
    width = max(len(r) for r in rows)
    return {"dataFilter": {"a1Range": a1(tab, start, 1, len(rows), width)},
            "majorDimension": "ROWS", "values": [list(r) for r in rows]}



def size(items: Sequence[dict[str, Any]]) -> int:
    """Bytes of ``items`` as a JSON list, serialised as requests sends a body."""
    return len(json.dumps(list(items)).encode())


def parts(items: Sequence[dict[str, Any]], limit: int) -> list[list[dict[str, Any]]]:
    """``items`` cut, in order, into runs whose JSON is at most ``limit`` bytes (an item
    larger than that alone goes alone)."""
    out: list[list[dict[str, Any]]] = []
    used = limit + 1
    for item in items:
        n = len(json.dumps(item).encode()) + 2
        if used + n > limit:
            out.append([])
            used = 0
        out[-1].append(item)
        used += n
    return out


# What a write needs of the spreadsheet's layout (tab ids and sizes, destsync's markers and
# write locks) and what the lease needs (its records: spreadsheet-level developer metadata,
# ``Spreadsheet.developerMetadata`` in the Sheets v4 discovery document): one ``get``.
LAYOUT_FIELDS = ("developerMetadata,sheets(properties(sheetId,title,gridProperties(rowCount)),"
                 "protectedRanges(protectedRangeId,description))")


class SheetsApi:
    """One spreadsheet's endpoints. ``client`` is a gspread Client built on
    transport.retrying_session, so retries and call counting happen below this layer."""

    def __init__(self, client: Any, spreadsheet_id: str, label: str,
                 max_body: int = 0) -> None:
        self.http = client.http_client
        self.max_body = max_body or MAX_BODY
        self.id = spreadsheet_id
        self.label = label  # how errors name the spreadsheet: "spreadsheet <id> (OAK)"
        self._layout: dict[str, Any] | None = None
        # Requests for the last batchUpdate of the tracker's write (the lease's release,
        # when nothing follows the write): emptied once a batchUpdate carried them.
        self.riders: list[dict[str, Any]] = []

    def layout(self) -> dict[str, Any]:
        """The spreadsheet's layout (``LAYOUT_FIELDS``) as the lease last read it, once,
        else read now: the lease's read-back and the write's ``get`` are one call."""
        body, self._layout = self._layout, None
        return body if body is not None else self.get(LAYOUT_FIELDS)

    def read_layout(self) -> dict[str, Any]:
        """Read the layout now, and keep it for the next ``layout()``."""
        self._layout = self.get(LAYOUT_FIELDS)
        return self._layout

    def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        from google.auth.exceptions import RefreshError, TransportError
        from gspread.exceptions import APIError

        try:
            response = self.http.request(method, url, **kwargs)
        except APIError as exc:
            raise self._error(exc) from None
        except RefreshError as exc:
            raise CredentialError(
                f"Google would not issue a token for the Sheets API ({str(exc)[:120]})",
                "check the service account and its delegation settings",
            ) from None
        except TransportError as exc:
            raise RemoteError(
                f"cannot reach Google to authenticate ({type(exc).__name__})",
                "check the network and run the sync again",
            ) from None
        body = response.json() if response.content else {}
        return body if isinstance(body, dict) else {}

    def _error(self, exc: Any) -> Exception:
        # gspread puts -1 in .code when the body is not JSON; the HTTP status is the truth.
        response = getattr(exc, "response", None)
        code = int(getattr(response, "status_code", 0) or getattr(exc, "code", 0) or 0)
        error = getattr(exc, "error", {}) or {}
        message = str(error.get("message", ""))[:200] if isinstance(error, dict) else ""
        if code in (401, 403):
            return explain_auth_failure("the Sheets API", code, message, self.label)
        if code == 404:
            return TrackerError(
                f"{self.label} was not found",
                "check tracker.spreadsheet_id in the config, and that the sheet is shared "
                "with the service account",
            )
        if code == 400:
            return TrackerError(
                f"Sheets refused a request for {self.label}: {message}",
                "nothing from that request was written; if staff were changing tabs or "
                "columns, run the sync again (run `destsync setup` if a tab is missing)",
            )
        return RemoteError(
            f"Sheets answered {code} for {self.label}: {message}", "run the sync again later"
        )

    # -- endpoints ----------------------------------------------------------------------
    def get(self, fields: str) -> dict[str, Any]:
        return self._call("get", f"{BASE}/{self.id}", params={"fields": fields})

    def batch_get(self, ranges: Sequence[str]) -> list[list[list[Any]]]:
        body = self._call(
            "get",
            f"{BASE}/{self.id}/values:batchGet",
            params={"ranges": list(ranges), **READ_OPTIONS},
        )
        return [vr.get("values", []) for vr in body.get("valueRanges", [])]

    def batch_get_by_filter(self, filters: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """MatchedValueRanges: each with ``valueRange`` and the ``dataFilters`` it matched."""
        body = self._call(
            "post",
            f"{BASE}/{self.id}/values:batchGetByDataFilter",
            json={"dataFilters": list(filters), **READ_OPTIONS},
        )
        return list(body.get("valueRanges", []))

    def update_by_filter(self, data: Sequence[dict[str, Any]]) -> None:
        """Write values RAW (never USER_ENTERED: user text must not become a formula), in
        as few requests under ``max_body`` as the order of ``data`` allows."""
        for part in parts(data, self.max_body - 100):
            self._call(
                "post",
                f"{BASE}/{self.id}/values:batchUpdateByDataFilter",
                json={"valueInputOption": "RAW", "data": part},
            )

    def batch_update(self, requests: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return self._call(
            "post", f"{BASE}/{self.id}:batchUpdate", json={"requests": list(requests)}
        )

    def search_metadata(self, filters: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        body = self._call(
            "post",
            f"{BASE}/{self.id}/developerMetadata:search",
            json={"dataFilters": list(filters)},
        )
        return [m.get("developerMetadata", {}) for m in body.get("matchedDeveloperMetadata", [])]


def explain_missing_tab(sheet: SheetsApi, tabs: Sequence[str], roster_tab: str = "") -> None:
    """After a read failed: if one of ``tabs`` is missing, raise the error that says which
    and how to get it back (setup adds destsync's tabs; the roster tab is the school's)."""
    props = sheet.get("sheets(properties(title))")
    have = {s["properties"]["title"] for s in props.get("sheets", [])}
    missing = [t for t in tabs if t not in have]
    if missing and missing[0] == roster_tab:
        raise TrackerError(
            f"{sheet.label} has no {missing[0]!r} tab for the roster",
            f"add a tab named {missing[0]!r} and paste the MIS leavers export into it, "
            "header row first (or fix roster.tab in the config)",
        )
    if missing:
        raise TrackerError(
            f"{sheet.label} has no {missing[0]!r} tab",
            "run `destsync setup` (it adds missing tabs and never removes data), or "
            f"rename the tab back to {missing[0]!r}",
        )
