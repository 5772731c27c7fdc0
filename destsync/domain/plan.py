"""The Plan: a value listing everything one run will change, and its text/JSON views.

The planner builds it without I/O; the service hands it to the tracker and the mailer.
``--dry-run`` prints it and stops.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from destsync.domain.model import LedgerEntry, ResponseRecord, TrackerSnapshot, header_of


@dataclass(frozen=True)
class CellChange:
    ref: str
    column: str  # column key
    old: str
    new: str
    source: str  # response id or "roster"


@dataclass(frozen=True)
class NewRow:
    ref: str
    values: dict[str, str]
    source: str


@dataclass(frozen=True)
class ReviewItem:
    key: str  # stable: the same problem is raised once
    kind: str
    ref: str
    response_id: str
    submitted: str
    field: str
    tracker_value: str
    form_value: str
    action: str


@dataclass(frozen=True)
class LogEntry:
    ref: str
    field: str
    old: str
    new: str
    source: str
    note: str


@dataclass(frozen=True)
class Freeze:
    checkpoint: str
    label: str
    leaving_year: int
    rows: tuple[tuple[str, ...], ...]  # in RETURN_HEADERS order
    late: bool


@dataclass(frozen=True)
class OutgoingMessage:
    """A message the mailer must deliver exactly once, keyed by ``key``."""

    key: str
    ref: str
    campaign: str
    to: str
    subject: str
    text: str
    html: str
    priority: int = 0
    stop_url: str = ""  # the prefilled stop link, for the List-Unsubscribe header


@dataclass(frozen=True)
class AppChange:
    """One cell of the Applications tab to change (``domain.applications``)."""

    key: str  # the application's key (Ref and a slug of provider and course)
    ref: str
    field: str  # an APPLICATION_FIELDS key
    old: str
    new: str
    source: str


@dataclass(frozen=True)
class NewApp:
    """A row to add to the Applications tab: APPLICATION_FIELDS key -> value."""

    key: str
    ref: str
    values: dict[str, str]
    source: str


@dataclass
class Plan:
    now: str
    changes: list[CellChange] = field(default_factory=list)
    new_rows: list[NewRow] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    base_updates: dict[tuple[str, str], str] = field(default_factory=dict)
    responses: list[ResponseRecord] = field(default_factory=list)
    freezes: list[Freeze] = field(default_factory=list)
    messages: list[OutgoingMessage] = field(default_factory=list)
    deferred: list[OutgoingMessage] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    responses_read: int = 0
    # Refs whose contact details must be gone after this run (withdrawal, refusal or the
    # end of retention): the copies outside the row follow (``domain.withdrawal``).
    erased: set[str] = field(default_factory=set)
    meta: dict[str, str] = field(default_factory=dict)  # _destsync_meta keys to set
    # The whole Metrics tab (header first) when it must be rewritten; None: it is current.
    metrics: list[list[str]] | None = None
    # Review key -> (Resolved, Resolution): a typed resolution carried out (Resolved is the
    # date) or left open with the reason (Resolved empty).
    review_updates: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The Applications tab (issue 16): cells to change and rows to add; their merge base
    # rides in ``base_updates`` under (ref, ``applications.base_col(key, field)``).
    app_changes: list[AppChange] = field(default_factory=list)
    app_rows: list[NewApp] = field(default_factory=list)

    @property
    def conflicts(self) -> list[ReviewItem]:
        return [r for r in self.review if r.kind == "Conflict"]

    def is_empty(self) -> bool:
        return not (
            self.changes
            or self.new_rows
            or self.review
            or self.base_updates
            or self.responses
            or self.freezes
            or self.messages
            or self.ledger
            or self.metrics is not None
            or self.review_updates
            or self.meta
            or self.app_changes
            or self.app_rows
        )

    def summary(self) -> dict[str, Any]:
        return {
            "responses_read": self.responses_read,
            "rows_added": len(self.new_rows),
            "cells_updated": len(self.changes),
            "conflicts": len(self.conflicts),
            "review_items": len(self.review),
            "returns_frozen": len(self.freezes),
            "emails_due": len(self.messages),
            "emails_deferred": len(self.deferred),
            "applications_added": len(self.app_rows),
            "applications_updated": len(self.app_changes),
        }

    def to_json(self) -> dict[str, Any]:
        data = self.summary()
        data["changes"] = [
            {**asdict(c), "old": _shown(c.column, c.old), "new": _shown(c.column, c.new)}
            for c in self.changes
        ]
        data["new_rows"] = [{"ref": r.ref, "source": r.source} for r in self.new_rows]
        # Review values and advice can quote what a student typed: kind and field only.
        data["review"] = [
            {"kind": r.kind, "ref": r.ref, "response_id": r.response_id, "field": r.field}
            for r in self.review
        ]
        data["freezes"] = [
            {"checkpoint": f.checkpoint, "leaving_year": f.leaving_year, "rows": len(f.rows)}
            for f in self.freezes
        ]
        data["messages"] = [
            {"key": m.key, "campaign": m.campaign, "ref": m.ref} for m in self.messages
        ]
        return data

    def to_text(self) -> str:
        """A person-readable listing for --dry-run. Refs, not names or contact details: it
        may reach a log. The workbook's Review tab has the detail."""
        out = [f"Plan at {self.now}: " + ", ".join(f"{k}={v}" for k, v in self.summary().items())]
        for r in self.new_rows:
            out.append(f"  + new row {r.ref} ({r.source})")
        for c in self.changes:
            header = header_of(c.column)
            out.append(
                f"  ~ {c.ref} {header}: {_shown(c.column, c.old)!r} -> {_shown(c.column, c.new)!r}"
            )
        for item in self.review:
            out.append(f"  ? {item.kind} {item.ref or item.response_id}: {item.field}")
        for a in self.app_rows:
            out.append(f"  + application {a.key}")
        for ac in self.app_changes:
            out.append(f"  ~ application {ac.key} {ac.field}: {ac.old!r} -> {ac.new!r}")
        for f in self.freezes:
            late = " (late)" if f.late else ""
            out.append(f"  # freeze {f.label} for leavers of {f.leaving_year}{late}")
        if self.metrics is not None:
            out.append(f"  = rebuild the Metrics tab ({len(self.metrics) - 1} rows)")
        for m in self.messages:
            out.append(f"  @ send {m.campaign} to {m.ref}")
        for m in self.deferred:
            out.append(f"  @ defer {m.campaign} to {m.ref} (daily cap)")
        return "\n".join(out)


# Columns whose values identify a person: never printed, only said to change.
PERSONAL_COLUMNS = frozenset(
    {"forename", "surname", "dob", "email", "phone", "parent_email", "consent_evidence"}
)


def _shown(column: str, value: str) -> str:
    if column in PERSONAL_COLUMNS and value:
        return "(personal data)"
    return value


def after_rows(snap: TrackerSnapshot, plan: Plan) -> dict[str, dict[str, str]]:
    """The tracker as it will be once ``plan`` is applied. Read only: a row the plan does
    not change is the snapshot's own, a new row the plan's (copying 100,000 rows cost
    more time and memory than the plan)."""
    rows = dict(snap.rows)
    copied = set()
    for r in plan.new_rows:
        rows[r.ref] = r.values
    for c in plan.changes:
        if c.ref not in copied:
            rows[c.ref] = dict(rows.get(c.ref, {}))
            copied.add(c.ref)
        rows[c.ref][c.column] = c.new
    return rows
