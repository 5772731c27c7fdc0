"""The Applications tab's layout, shared by the workbook and the Google Sheet.

Columns are ``APPLICATION_FIELDS``' headers, then a Key column (hidden on Google) that
keeps a row's identity when staff correct its provider or course. A row staff add by
hand has no Key: it is known by Ref, provider and course, as a check-in's would be.
Columns are found by header, so staff may reorder them and sort the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from destsync.domain.checkin import app_key
from destsync.domain.layout import canonical, canonical_text
from destsync.domain.model import APPLICATION_FIELDS, APPLICATION_STATUSES, TrackerSnapshot
from destsync.domain.plan import NewApp

APPLICATIONS = "Applications"
KEY = "Key"
APP_HEADERS: tuple[str, ...] = (*(h for _, h in APPLICATION_FIELDS), KEY)
HEADER_OF = dict(APPLICATION_FIELDS)
STATUS_COLUMN = HEADER_OF["status"]
STATUS_OPTIONS = APPLICATION_STATUSES


def header_index(header: Sequence[Any]) -> dict[str, int]:
    """Header text -> 0-based column, as the tab has them."""
    return {canonical(h).strip(): i for i, h in enumerate(header) if canonical(h).strip()}


def read_applications(block: Iterable[Sequence[Any]], snap: TrackerSnapshot) -> dict[str, int]:
    """The tab (header row first) into ``snap.applications``; returns key -> 1-based row.
    A second row with a key already read is a copy staff made: the first one counts."""
    rows = iter(block)
    index = header_index(next(rows, ()))
    at: dict[str, int] = {}
    for r, row in enumerate(rows, start=2):
        def get(header: str, row: Sequence[Any] = row, kind: str = "text") -> str:
            i = index.get(header, -1)
            return canonical_text(row[i], kind).strip() if 0 <= i < len(row) else ""

        values = {k: get(h, kind="date" if k == "updated" else "text")
                  for k, h in APPLICATION_FIELDS}
        key = get(KEY) or (app_key(values["ref"], values["provider"], values["course"])
                           if values["ref"] else "")
        if not key or key in at:
            continue
        snap.applications[key] = values
        at[key] = r
    return at


def new_row(app: NewApp, header: Sequence[Any]) -> list[str]:
    """A new application's row in the tab's own column order (APP_HEADERS when empty)."""
    have = [canonical(h).strip() for h in header] or list(APP_HEADERS)
    values = {HEADER_OF[k]: app.values.get(k, "") for k, _ in APPLICATION_FIELDS}
    values[KEY] = app.key
    return [values.get(h, "") for h in have]


def missing_headers(header: Sequence[Any]) -> list[str]:
    have = {canonical(h).strip() for h in header}
    return [h for h in APP_HEADERS if h not in have]
