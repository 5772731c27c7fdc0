"""The re-read just before a Sheets write, and what becomes of cells found edited.

Sheets has no conditional write. So, in one ``values.batchGetByDataFilter``, destsync
fetches the header row, the Ref column and every row it is about to change (by its
anchor), and drops any change whose cell no longer holds what the plan was made against.
A dropped change keeps its merge base and becomes a Conflict row on the Review tab, so a
person's edit made during the run is never overwritten and the form's value is not lost.
The last re-read is made under the write lock (sheets_lock), so it still holds when the
write lands.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from destsync.adapters.google import sheets_api as api
from destsync.domain import layout
from destsync.domain.applications_tab import APPLICATIONS
from destsync.domain.layout import cell
from destsync.domain.masking import shown_contact
from destsync.domain.merge import conflict_key
from destsync.domain.model import header_of
from destsync.domain.plan import CellChange, LogEntry, Plan, ReviewItem
from destsync.errors import TrackerError

APPENDED_TABS = (layout.REVIEW, layout.LOG, layout.RETURNS)
EDITED_NOTE = "not written: a person changed this cell while destsync was running"


@dataclass
class Seen:
    """What the last read saw, needed to place the next write."""

    ref_col: int = 1
    state_rows: dict[str, dict[tuple[str, ...], int]] = field(default_factory=dict)
    state_end: dict[str, int] = field(default_factory=dict)  # last used row per state tab
    known_submitted: list[str] = field(default_factory=list)
    # Rows a stopped run added (structural batchUpdate applied) but never filled in (its
    # value write never ran): listed in _destsync_meta, re-planned as new, never re-added.
    pending: set[str] = field(default_factory=set)
    review_header: list[str] = field(default_factory=list)  # the Review tab's header row
    parked: list[str] = field(default_factory=list)  # submitted times of responses on Review
    apps_tab: bool = False  # the sheet's Applications tab was read (``sheets_apps``)
    as_read: Fresh | None = None  # the sheet as the read saw it: places the structural step
    base: dict[str, dict[str, str]] = field(default_factory=dict)  # Ref -> merge base read


@dataclass
class Late:
    """Changes dropped at write time, and what to record instead."""

    cells: set[tuple[str, str]] = field(default_factory=set)
    review: list[ReviewItem] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)

    def drop(self, ch: CellChange, now: str, action: str) -> None:
        self.cells.add((ch.ref, ch.column))
        header = header_of(ch.column)
        self.review.append(ReviewItem(
            conflict_key(ch.ref, ch.column, ch.new), "Conflict", ch.ref,
            ch.source if ch.source != "roster" else "", "", header,
            shown_contact(ch.column, now), shown_contact(ch.column, ch.new), action))
        self.log.append(LogEntry(ch.ref, ch.column, shown_contact(ch.column, ch.old),
                                 shown_contact(ch.column, now), ch.source, EDITED_NOTE))


def without(plan: Plan, late: Late) -> Plan:
    """The plan as it can be written: minus the cells dropped at write time (their merge
    base must not move), plus the Review and Change log rows that say why."""
    if not late.cells:
        return plan
    return replace(
        plan,
        review=[*plan.review, *late.review],
        log=[*(e for e in plan.log if (e.ref, e.field) not in late.cells), *late.log],
        base_updates={k: v for k, v in plan.base_updates.items() if k not in late.cells},
    )


@dataclass
class Fresh:
    """The sheet as it is just before the write."""

    header: list[Any]
    rows: dict[str, list[Any]]  # ref -> current row values (anchored rows)
    unanchored: dict[str, int]  # ref -> row number, rows without an anchor
    ref_col_anchored: bool
    last_row: int
    ends: dict[str, int]
    stale: list[str] = field(default_factory=list)  # refs whose anchor sits on another row
    # Review key -> row now: staff may have sorted the tab since the read.
    review_at: dict[str, int] = field(default_factory=dict)
    apps: list[list[Any]] = field(default_factory=list)  # the Applications tab, whole

    @staticmethod
    def from_read(tracker: list[list[Any]], ref_col: int, ends: dict[str, int],
                  applications: list[list[Any]]) -> Fresh:
        """The Tracker tab as the read saw it (no call): its header and last Ref, the
        Ref column taken as anchored; Review's and Returns' ends (the Change log's is not
        read: a write that outgrows its grid grows it under the lock); the Applications
        tab, whose rows the lock's grid growth counts too."""
        last = max((i for i, r in enumerate(tracker, start=1)
                    if i > 1 and cell(r, ref_col) not in ("", None)), default=1)
        return Fresh(tracker[0] if tracker else [], {}, {}, True, last,
                     {tab: max(ends.get(tab, 1), 1) for tab in APPENDED_TABS},
                     apps=applications)

    @staticmethod
    def fetch(sheet: api.SheetsApi, ref_header: str, plan: Plan, seen: Seen) -> Fresh:
        refs = sorted({c.ref for c in plan.changes})
        t = api.quote(layout.TRACKER)
        letter = api.col_letter(seen.ref_col)
        # Each tab's end is found from one column; Review's is its Key column, which also
        # says where each Review row is now.
        key = seen.review_header.index("Key") + 1 if "Key" in seen.review_header else 1
        letters = {tab: api.col_letter(key if tab == layout.REVIEW else 1)
                   for tab in APPENDED_TABS}
        tab_ends = {f"{api.quote(tab)}!{c}:{c}": tab for tab, c in letters.items()}
        filters: list[dict[str, Any]] = [
            {"a1Range": f"{t}!1:1"},
            {"developerMetadataLookup": {"metadataKey": api.COLUMN_KEY, "metadataValue": "ref",
                                         "locationType": "COLUMN"}},
            {"a1Range": f"{t}!{letter}:{letter}"},
            *[{"a1Range": a1r} for a1r in tab_ends],
            *[api.row_lookup(ref) for ref in refs],
        ]
        apps_a1 = api.quote(APPLICATIONS)
        if seen.apps_tab and (plan.app_changes or plan.app_rows):
            filters.append({"a1Range": apps_a1})
        matched = sheet.batch_get_by_filter(filters)
        header: list[Any] = []
        ref_column: list[list[Any]] | None = None
        a1_ref_column: list[list[Any]] = []
        anchored_col = False
        ref_col_no = seen.ref_col
        rows: dict[str, list[Any]] = {}
        ends = dict.fromkeys(APPENDED_TABS, 1)
        review_at: dict[str, int] = {}
        apps: list[list[Any]] = []
        for m in matched:
            vr = m.get("valueRange", {})
            values = vr.get("values", [])
            for df in m.get("dataFilters", []):
                lookup = df.get("developerMetadataLookup")
                a1r = df.get("a1Range", "")
                if lookup and lookup.get("metadataKey") == api.ANCHOR_KEY:
                    rows.setdefault(lookup["metadataValue"], values[0] if values else [])
                elif lookup:
                    anchored_col = True
                    ref_column = values
                    ref_col_no = api.col_of(vr.get("range", "A1"))
                elif a1r == f"{t}!1:1":
                    header = values[0] if values else []
                elif a1r == f"{t}!{letter}:{letter}":
                    a1_ref_column = values
                elif a1r == apps_a1:
                    apps = values
                elif a1r in tab_ends:
                    ends[tab_ends[a1r]] = max(len(values), 1)
                    if tab_ends[a1r] == layout.REVIEW:
                        review_at = {layout.canonical(v[0]).strip(): r
                                     for r, v in enumerate(values, start=1) if v and r > 1}
        if ref_column is None:
            # No anchored Ref column yet: trust the letter from the read only if the fresh
            # header still has Ref there; otherwise positions are unknowable now.
            if cell(header, seen.ref_col) != ref_header:
                raise TrackerError(
                    f"columns of {sheet.label} moved while destsync was running",
                    "nothing was written; run the sync again",
                )
            ref_column = a1_ref_column
        elif ref_col_no != seen.ref_col and cell(header, ref_col_no) != ref_header:
            raise TrackerError(f"the Ref column of {sheet.label} is not where its anchor "
                               "says", "run `destsync setup`, then the sync again")
        positions = {layout.canonical(r[0]).strip(): i
                     for i, r in enumerate(ref_column, start=1) if r and i > 1}
        last = max((i for i, r in enumerate(ref_column, start=1) if r and r[0] not in ("", None)),
                   default=1)
        # An anchor follows its row through sorts, but not a Ref retyped by hand: after
        # staff swap two Refs, the anchor for A sits on the row that now says B. Trust the
        # Ref cell: such a row is re-read by position and re-anchored in the same write.
        stale = sorted(ref for ref in refs if ref in rows
                       and layout.canonical(cell(rows[ref], ref_col_no)).strip() != ref)
        for ref in stale:
            del rows[ref]
        unanchored = {ref: positions[ref] for ref in refs if ref not in rows and ref in positions}
        if unanchored:
            # Rows typed in by hand have no anchor yet. Their cells were not re-read with
            # the others; read them now by position, anchor them in the same write.
            again = sheet.batch_get_by_filter(
                [{"a1Range": f"{t}!{r}:{r}"} for r in unanchored.values()])
            by_row = {api.row_of(m["valueRange"].get("range", "")): m["valueRange"].get(
                "values", [[]]) for m in again}
            for ref, r in unanchored.items():
                rows[ref] = (by_row.get(r) or [[]])[0]
        return Fresh(header, rows, unanchored, anchored_col, last, ends, stale, review_at, apps)


def review_updates(updates: dict[str, tuple[str, str]], header: list[str],
                   at: dict[str, int]) -> list[dict[str, Any]]:
    """Value writes for Resolved and Resolution on the Review rows ``updates`` names, found
    by key where they are now. A row deleted since the read is skipped: its resolution is
    read again, and carried out at most once, since placing keeps a placed response."""
    cols = [header.index(h) + 1 if h in header else 0
            for h in (layout.RESOLVED, layout.RESOLUTION)]
    data: list[dict[str, Any]] = []
    for key, values in updates.items():
        r = at.get(key)
        for c, value in zip(cols, values, strict=True):
            if r and c:
                data.append({"dataFilter": {"a1Range": api.a1(layout.REVIEW, r, c, 1, 1)},
                             "majorDimension": "ROWS", "values": [[value]]})
    return data
