"""The write lock: the tabs destsync writes are protected while it writes them.

Sheets has no conditional write, so a check made before a write cannot cover the round
trip between the check and the write. A protected range can: from the ``batchUpdate``
that adds it until the one that deletes it, nobody but the spreadsheet's owner and the
account that set it can edit, sort, or insert rows or columns in those tabs (a full,
not warning-only, protection with no other editors: Sheets v4 ``ProtectedRange``; Apps
Script's ``Protection.removeEditor`` says neither the owner nor the current user can be
removed). A person who tries sees Google's "protected cell" message and does it again a
few seconds later, so the edit is refused, never silently overwritten.

The lock is added in the same atomic ``batchUpdate`` as the structural step, before the
last re-read, and removed right after the value write. Its ids are recorded in
``_destsync_meta`` (``write_lock``) in the same requests, so a run stopped in between
leaves a record the next run's read finds: it removes that lock before anything else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from destsync.domain import layout
from destsync.domain.applications_tab import APPLICATIONS

LOCK_KEY = "write_lock"  # _destsync_meta: ids of the protections a write holds
DESCRIPTION = ("destsync is writing this tab (a few seconds). If this protection stays, "
               "run the sync again: it removes it.")
# The Applications tab (issue 16) too, when the sheet has it: its cells are checked
# under the lock as the Tracker's are (``sheets_apps``).
LOCKED_TABS = (layout.TRACKER, layout.REVIEW, layout.LOG, layout.RETURNS, APPLICATIONS)


def lock_ids(run_id: str, sheet_ids: Mapping[str, int]) -> dict[str, int]:
    """A protectedRangeId per locked tab the sheet has, from the run id: after an
    ambiguous failure the run still knows which ids to remove (Sheets lets the caller
    choose them; "it is an error to specify the ID of a range that already exists")."""
    base = int(hashlib.sha256(run_id.encode()).hexdigest()[:6], 16) + 1
    return {tab: base * 8 + i for i, tab in enumerate(LOCKED_TABS) if tab in sheet_ids}


def lock_requests(sheet_ids: Mapping[str, int], ids: Mapping[str, int]) -> list[dict[str, Any]]:
    reqs = []
    for tab, pid in ids.items():
        reqs.append({"addProtectedRange": {"protectedRange": {
                "protectedRangeId": pid, "range": {"sheetId": sheet_ids[tab]},
                "description": DESCRIPTION, "warningOnly": False,
                "editors": {"users": [], "groups": [], "domainUsersCanEdit": False}}}})
    return reqs


def unlock_requests(ids: Iterable[int]) -> list[dict[str, Any]]:
    return [{"deleteProtectedRange": {"protectedRangeId": pid}} for pid in ids]


def held(body: Mapping[str, Any]) -> list[int]:
    """Ids of destsync's write locks in a ``spreadsheets.get`` answer."""
    return [int(p["protectedRangeId"]) for s in body.get("sheets", [])
            for p in s.get("protectedRanges", [])
            if p.get("description") == DESCRIPTION and "protectedRangeId" in p]
