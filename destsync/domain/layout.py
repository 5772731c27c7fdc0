"""The tracker's layout, shared by every tracker backend (workbook and Google Sheet).

Tab names, the hidden state tabs and their columns, how a cell value becomes the canonical
string the planner compares, how headers are checked, which columns get dropdowns, and
the rows a Plan appends to the Review, Change log and Returns tabs. Keeping these in one
place is what makes a Google Sheet and a workbook look the same to the planner.
No SDK is imported here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from destsync.domain import vocab
from destsync.domain.metrics import METRICS_HEADERS, METRICS_TAB
from destsync.domain.model import (
    COLUMN_BY_KEY,
    CONTACT_STATUSES,
    GROUPS,
    LEAVING_POINTS,
    LOG_HEADERS,
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    RETURN_HEADERS,
    REVIEW_HEADERS,
    VALIDATED_BY,
    YES_NO,
    LedgerEntry,
    ReviewRow,
    TrackerSnapshot,
)
from destsync.domain.plan import Freeze, LogEntry, Plan, ReviewItem
from destsync.errors import MissingColumn, TrackerError

TRACKER = "Tracker"
REVIEW = "Review"
LOG = "Change log"
RETURNS = "Returns"
STATE_TABS: dict[str, tuple[str, ...]] = {
    # One row per Ref, its columns in one JSON cell under "Column" (see base_tab).
    "_destsync_base": ("Ref", "Column", "Value"),
    # Parsed: the response's date-independent parse (domain.parse_cache); older rows
    # without it are read as "not kept" and get it at the next sync.
    "_destsync_responses": ("Response ID", "Submitted", "Outcome", "Ref", "Parsed"),
    "_destsync_frozen": ("Checkpoint", "Leaving year", "Frozen on"),
    "_destsync_ledger": ("Key", "State", "Ref", "Campaign", "At", "Message ID"),
    "_destsync_meta": ("Key", "Value"),
}
# How many leading columns of each state tab form its key (a later row replaces an
# earlier one with the same key).
STATE_KEY_LEN: dict[str, int] = {
    "_destsync_base": 2,
    "_destsync_responses": 1,
    "_destsync_frozen": 2,
    "_destsync_ledger": 1,
    "_destsync_meta": 1,
}
VISIBLE_TABS: dict[str, tuple[str, ...]] = {
    REVIEW: REVIEW_HEADERS,
    LOG: LOG_HEADERS,
    RETURNS: RETURN_HEADERS,
    METRICS_TAB: METRICS_HEADERS,  # rebuilt whole each run (domain.metrics)
}
# _destsync_meta key holding the newest lastSubmittedTime already placed (Forms watermark).
WATERMARK_KEY = "forms_watermark"

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def canonical(value: Any) -> str:
    """A cell's value as the string the planner compares."""
    if value is None:
        return ""
    if type(value) is str:  # most cells: first, as this runs for every cell read
        return value
    if hasattr(value, "date") and callable(value.date):
        return str(value.date().isoformat())
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def canonical_text(value: Any, kind: str = "text") -> str:
    """Canonical form of a value read as text from a sheet. destsync writes dates as ISO
    text; a date a person typed comes back formatted the sheet's (UK) way, DD/MM/YYYY,
    and is read as the same date so that it is not mistaken for a different value."""
    text = canonical(value)
    if kind == "date":
        m = _UK_DATE.match(text.strip())
        if m:
            try:
                return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
            except ValueError:
                return text
    return text


def index_headers(
    cells: Sequence[Any], headers: Mapping[str, str], where: str, tab: str
) -> dict[str, int]:
    """Header text -> 1-based column. Refuses duplicate headers and a missing required
    column with a message naming the config key that fixes it (``MissingColumn``)."""
    index: dict[str, int] = {}
    for i, cell in enumerate(cells, start=1):
        text = canonical(cell).strip()
        if text:
            if text in index:
                raise TrackerError(
                    f"tracker tab {tab!r} has two columns headed {text!r}",
                    "rename or delete one of them",
                )
            index[text] = i
    missing = [k for k in sorted(REQUIRED_KEYS) if headers[k] not in index]
    if missing:
        shown = ", ".join(repr(headers[k]) for k in missing[:3])
        raise MissingColumn(
            f"tracker {where} tab {tab!r} is missing column {shown}", missing[0], where
        )
    return index


def rows_by_header(block: Sequence[Sequence[Any]]) -> list[dict[str, str]]:
    """A tab's values (header row first) as one dict per non-empty row."""
    if not block:
        return []
    header = [canonical(h).strip() for h in block[0]]
    out = []
    for row in block[1:]:
        values = {h: canonical(row[i]) if i < len(row) else "" for i, h in enumerate(header)
                  if h}
        if any(values.values()):
            out.append(values)
    return out


def cell(row: Sequence[Any], col: int) -> Any:
    """The value in 1-based column ``col``; None past the end of a short row."""
    return row[col - 1] if 0 < col <= len(row) else None


def read_tracker_rows(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], headers: Mapping[str, str],
    where: str, snap: TrackerSnapshot,
) -> dict[str, int]:
    """The Tracker tab's rows into ``snap.rows`` by Ref, as both backends read them;
    returns column key -> 1-based column. Row 1 is the header."""
    index = index_headers(header, headers, where, TRACKER)
    cols = {key: index[h] for key, h in headers.items() if h in index}
    snap.absent = {k for k in OPTIONAL_KEYS if k not in cols}
    seen_at: dict[str, int] = {}
    # 0-based places and which are dates, found once: this runs for every cell read.
    places = [(k, c - 1, COLUMN_BY_KEY[k].kind == "date") for k, c in cols.items()]
    for r, row in enumerate(rows, start=2):
        ref = canonical(cell(row, cols["ref"])).strip()
        if not ref:
            continue  # a row staff added by hand without a Ref is theirs alone
        claim_ref(seen_at, ref, r)
        n = len(row)
        # A date typed as text ("01/09/2026") reads as that date, so it is not mistaken
        # for a staff edit of a different value.
        snap.rows[ref] = {
            k: "" if i >= n else canonical_text(row[i], "date") if date else canonical(row[i])
            for k, i, date in places
        }
    return cols


def claim_ref(where: dict[str, int], ref: str, row: int) -> None:
    """Record that ``ref`` is on ``row``. A Ref found twice means staff copied a row; which
    copy is right is a person's call, so the run stops rather than guess."""
    if ref in where:
        raise TrackerError(
            f"Ref {ref} appears twice in the tracker (rows {where[ref]} and {row})",
            "delete the copied row, keeping the one with the right data",
        )
    where[ref] = row


def dropdown_lists() -> dict[str, tuple[str, ...]]:
    """Column key -> the options its dropdown offers."""
    lists: dict[str, tuple[str, ...]] = {
        "contact_status": CONTACT_STATUSES[1:],
        "validated": YES_NO,
        "validated_by": VALIDATED_BY,
        "consent": (*YES_NO, "Withdrawn"),
        "leaving_point": tuple(label for _, label in LEAVING_POINTS),
    }
    for gkey, _ in GROUPS:
        lists[f"{gkey}_destination"] = vocab.DESTINATION_LABELS
    return lists


def review_row(item: ReviewItem, now: str) -> list[str]:
    """A Review row in REVIEW_HEADERS order (Resolve as, Resolved, Resolution empty)."""
    values = {"Key": item.key, "Raised": now[:10], "Kind": item.kind, "Ref": item.ref,
              "Response ID": item.response_id, "Submitted": item.submitted,
              "Field": item.field, "Value in tracker": item.tracker_value,
              "Value from form": item.form_value, "What to do": item.action}
    return [values.get(h, "") for h in REVIEW_HEADERS]


def in_tab_order(rows: list[list[str]], tab_header: Sequence[Any]) -> list[list[str]]:
    """Review rows (REVIEW_HEADERS order) placed by the tab's own header, which may be an
    older order; a column the tab lacks is left out, and trailing empty cells are dropped
    (a tab made by an older setup may have no grid columns for them)."""
    have = [canonical(h).strip() for h in tab_header]
    if not rows or not any(have) or have == list(REVIEW_HEADERS):
        return rows
    pos = {h: i for i, h in enumerate(REVIEW_HEADERS)}
    out = []
    for row in rows:
        placed = [row[pos[h]] if h in pos else "" for h in have]
        while placed and placed[-1] == "":
            placed.pop()
        out.append(placed)
    return out


RESOLVED, RESOLVE_AS, RESOLUTION = "Resolved", "Resolve as", "Resolution"
# Review columns wrapped so a reason shows in full (both backends).
REVIEW_WRAPPED = ("Value in tracker", "Value from form", "What to do", RESOLUTION)


def read_review(block: Iterable[Sequence[Any]], snap: TrackerSnapshot) -> dict[str, int]:
    """The Review tab (header row first) into ``snap``: every key, and the rows staff typed
    a resolution into that are not resolved yet. Columns are found by header, so a tab
    made before "Resolve as" existed still reads. Returns key -> 1-based row."""
    rows = iter(block)
    index = {canonical(h).strip(): i for i, h in enumerate(next(rows, ()))}
    positions: dict[str, int] = {}
    for r, row in enumerate(rows, start=2):
        def get(header: str, row: Sequence[Any] = row) -> str:
            i = index.get(header, -1)
            return canonical(row[i]).strip() if 0 <= i < len(row) else ""

        key = get("Key") if "Key" in index else canonical(row[0] if row else "").strip()
        if not key:
            continue
        snap.review_keys.add(key)
        positions[key] = r
        typed = get(RESOLVE_AS)
        if typed and not get(RESOLVED):
            snap.review_open.append(ReviewRow(key, get("Kind"), get("Ref"), get("Response ID"),
                                              get("Field"), typed, get(RESOLUTION)))
    return positions


def missing_review_headers(header: Sequence[Any]) -> list[str]:
    """Review headers a tab made by an older destsync lacks (added after its last one)."""
    have = {canonical(h).strip() for h in header}
    return [h for h in REVIEW_HEADERS if h not in have]


def log_row(e: LogEntry, now: str, run_id: str, headers: Mapping[str, str]) -> list[str]:
    return [now, run_id, e.ref, headers.get(e.field, e.field), e.old, e.new, e.source, e.note]


def return_rows(f: Freeze) -> list[list[str]]:
    return [[*row[:-1], (row[-1] + " (late)").strip() if f.late else row[-1]] for row in f.rows]


def appended_rows(
    plan: Plan, run_id: str, headers: Mapping[str, str]
) -> dict[str, list[list[str]]]:
    """The rows a plan appends to each visible tab, in order."""
    return {
        REVIEW: [review_row(item, plan.now) for item in plan.review],
        LOG: [log_row(e, plan.now, run_id, headers) for e in plan.log],
        RETURNS: [row for f in plan.freezes for row in return_rows(f)],
    }


def ledger_rows(entries: Iterable[LedgerEntry]) -> dict[tuple[str, ...], list[str]]:
    return {(e.key,): [e.key, e.state, e.ref, e.campaign, e.at, e.message_id] for e in entries}


def state_updates(plan: Plan) -> dict[str, dict[tuple[str, ...], list[str]]]:
    """Per state tab: key -> the full row to store (replacing any row with that key).
    The merge base is not among them: it is stored per Ref (``base_tab``), from the base
    read merged with ``plan.base_updates``."""
    return {
        "_destsync_responses": {
            (r.response_id,): [r.response_id, r.submitted, r.outcome, r.ref, r.parsed]
            for r in plan.responses
        },
        "_destsync_frozen": {
            (f.checkpoint, str(f.leaving_year)): [f.checkpoint, str(f.leaving_year), plan.now[:10]]
            for f in plan.freezes
        },
        "_destsync_ledger": ledger_rows(plan.ledger),
        "_destsync_meta": {(k,): [k, v] for k, v in plan.meta.items()},
    }


def read_from(known: Sequence[str], parked: Sequence[str]) -> str:
    """The Forms watermark: the newest submission already placed, or the oldest response
    still parked on Review if that is older, so a parked response is read again and can be
    placed once the roster or a resolution typed on Review lets it."""
    newest = newest_submitted(known)
    oldest = min((t for t in (newest_submitted([p]) for p in parked) if t), default="")
    return min(newest, oldest) if newest and oldest else newest


def newest_submitted(times: Iterable[str]) -> str:
    """The newest of some ISO submission times (the Forms watermark is the newest among
    the responses already placed), as ISO UTC; "" when there is none."""
    newest: datetime | None = None
    for text in times:
        try:
            t = datetime.fromisoformat(text)
        except ValueError:
            continue  # a hand-edited state cell must not stop the run
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        newest = t if newest is None or t > newest else newest
    return newest.astimezone(UTC).isoformat() if newest else ""
