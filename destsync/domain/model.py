"""Domain values: responses, roster entries, tracker schema and the tracker snapshot.

Everything here is a plain value. Cells are compared as canonical strings (dates as ISO
``YYYY-MM-DD``), so a workbook and a Google Sheet look the same to the planner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

# Logical Form A fields. The config maps each to a question title.
FORM_FIELDS: tuple[str, ...] = (
    "reference",
    "name",
    "dob",
    "leaving_year",
    "email",
    "phone",
    "destination",
    "course",
    "level",
    "provider",
    "start_date",
    "duration",
    "consent",
)

# Destination groups: one set of columns each. A response fills the group that its
# submission date falls in (see calendar.group_for).
GROUPS: tuple[tuple[str, str], ...] = (
    ("intended", "Intended"),
    ("actual", "Actual"),
    ("year1", "Year 1"),
    ("year2", "Year 2"),
    ("year3", "Year 3"),
)
GROUP_FIELDS: tuple[tuple[str, str], ...] = (
    ("destination", "destination"),
    ("nccis", "NCCIS code"),
    ("course", "course / job"),
    ("level", "level"),
    ("provider", "provider / employer"),
    ("start_date", "start date"),
    ("duration", "duration (months)"),
    ("updated", "response date"),
)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text | date | int
    owner: str = "destsync"  # destsync: merged by destsync; staff: never written


def _columns() -> tuple[Column, ...]:
    cols = [
        Column("ref", "Ref"),
        Column("forename", "Forename"),
        Column("surname", "Surname"),
        Column("dob", "Date of birth", "date"),
        Column("leaving_year", "Leaving year", "int"),
        # Where the student leaves from (LEAVING_POINTS; blank is Year 13) and the day a
        # mid-year leaver left: both from the roster, both optional (see OPTIONAL_KEYS).
        Column("leaving_point", "Leaving point"),
        Column("left_on", "Left on", "date"),
        Column("source", "Row source"),
        Column("email", "Personal email"),
        Column("phone", "Phone"),
        Column("parent_email", "Parent/carer email"),
        Column("consent", "Consent"),
        Column("consent_date", "Consent date", "date"),
        Column("consent_evidence", "Consent evidence"),
        Column("s72_opt_out", "LA sharing opt-out (s72)"),
    ]
    for gkey, glabel in GROUPS:
        for fkey, flabel in GROUP_FIELDS:
            kind = "date" if fkey in ("start_date", "updated") else "text"
            kind = "int" if fkey in ("nccis", "duration") else kind
            cols.append(Column(f"{gkey}_{fkey}", f"{glabel} {flabel}", kind))
    cols += [
        # The September Guarantee record (Year 11 and Year 12 leavers): who offered a place
        # and when. Merged like any destsync cell (fed from the Applications tab), so a
        # person may also type it and their entry stands.
        Column("sg_offer", "September Guarantee offer"),
        Column("sg_offer_date", "Offer date", "date"),
        Column("contact_status", "Contact status", owner="staff"),
        Column("validated", "Validated", owner="staff"),
        Column("validated_by", "Validated by", owner="staff"),  # how: VALIDATED_BY
        Column("validator", "Validator (person or role)", owner="staff"),
        Column("validated_on", "Validated on", "date", owner="staff"),
        # A person's "still there on D" for the leaver's current activity: sustained evidence.
        Column("still_there_on", "Still in activity on", "date", owner="staff"),
        Column("notes", "Notes", owner="staff"),
    ]
    return tuple(cols)


COLUMNS: tuple[Column, ...] = _columns()
COLUMN_BY_KEY: Mapping[str, Column] = {c.key: c for c in COLUMNS}
def header_of(key: str) -> str:
    """A column key's default header (the key itself for a key that is not a column)."""
    return COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key


# Columns whose absence makes a sync unsafe: without them rows or merges cannot be found.
# Contact status is staff's, but it carries "Do not contact" and "Consent withdrawn": read
# as blank after a rename, it would let destsync email a student who asked it not to.
# Validated is staff's too, but read as blank it would freeze every student in the
# validated return as not validated, a wrong return a trust would sign.
# Columns added for leaving points (issue 16) are optional: a tracker made before them
# syncs exactly as it did, and destsync writes nothing into a column the tracker lacks.
OPTIONAL_KEYS: frozenset[str] = frozenset({"leaving_point", "left_on", "sg_offer",
                                           "sg_offer_date"})
REQUIRED_KEYS: frozenset[str] = (frozenset(
    c.key for c in COLUMNS if c.owner == "destsync") | {"contact_status", "validated"}
) - OPTIONAL_KEYS

CONTACT_STATUSES: tuple[str, ...] = ("", "Do not contact", "Consent withdrawn", "Moved away")
VALIDATED_BY: tuple[str, ...] = ("Staff", "Local authority", "Provider")
YES_NO: tuple[str, ...] = ("Yes", "No")

# Review tab and change-log tab layouts (header names are fixed: they belong to destsync).
# The human columns first; the internal Key last (and hidden). "Resolve as" is typed by
# staff (a Ref, new, ignore or accept) and carried out by the next sync, which says in
# Resolution what it did or why it could not. Rows are written by header, so a tab made
# in an older order keeps its order (and gains the columns it lacks at the end).
REVIEW_HEADERS: tuple[str, ...] = (
    "Kind",
    "Ref",
    "What to do",
    "Resolve as",
    "Field",
    "Value in tracker",
    "Value from form",
    "Submitted",
    "Raised",
    "Resolved",
    "Resolution",
    "Response ID",
    "Key",
)
LOG_HEADERS: tuple[str, ...] = ("When", "Run", "Ref", "Field", "Old", "New", "Source", "Note")
RETURN_HEADERS: tuple[str, ...] = (
    "Checkpoint",
    "Leaving year",
    "Frozen on",
    "Ref",
    "Forename",
    "Surname",
    "Destination",
    "NCCIS code",
    "Course / job",
    "Level",
    "Provider / employer",
    "Validated",
    "Note",
)


# Where a student leaves from (issue 16). A cohort is a leaving year *and* a leaving point;
# each point has its own checkpoints. Year 13 is what every tracker held before.
LEAVING_POINTS: tuple[tuple[str, str], ...] = (
    ("year13", "Year 13"),
    ("year11", "Year 11"),
    ("midyear", "Mid-year"),
)

# The Applications tab (issue 16): one row per application a current student made, keyed
# by Ref and a slug of provider and course, reconciled by the same three-way merge.
APPLICATION_FIELDS: tuple[tuple[str, str], ...] = (
    ("ref", "Ref"),
    ("provider", "Provider / employer"),
    ("course", "Course / job"),
    ("level", "Level"),
    ("status", "Status"),
    ("updated", "Updated"),
)
APPLICATION_STATUSES: tuple[str, ...] = (
    "Applied", "Offer", "Firm", "Insurance", "Rejected", "Withdrawn", "Confirmed",
)


@dataclass(frozen=True)
class RawResponse:
    """One Form A submission as read, before any parsing. ``answers`` maps FORM_FIELDS keys
    to the raw answer text."""

    response_id: str
    submitted: datetime  # lastSubmittedTime, timezone-aware
    answers: Mapping[str, str]
    source: str  # where it came from, e.g. "forms-csv row 12"


@dataclass(frozen=True)
class RosterEntry:
    """One student from the school's MIS export."""

    ref: str
    forename: str
    surname: str
    dob: str  # ISO date or ""
    leaving_year: int
    parent_email: str = ""
    s72_opt_out: bool = False
    year_group: int | None = None
    leaving_point: str = "year13"  # one of LEAVING_POINTS
    left_on: str = ""  # ISO date a mid-year leaver left; "" otherwise


@dataclass(frozen=True)
class ResponseRecord:
    """What became of a response: the tracker row it fed, or the review queue."""

    response_id: str
    submitted: str  # ISO datetime
    outcome: str  # "tracker" | "review" | "superseded"
    ref: str = ""
    # Its date-independent parse (``domain.parse_cache``), so that it is not parsed again.
    parsed: str = ""


@dataclass(frozen=True)
class LedgerEntry:
    """One message in the exactly-once ledger (see campaigns)."""

    key: str
    state: str  # "pending" | "sent" | "bounced" | "deferred"
    ref: str
    campaign: str
    at: str  # ISO datetime of the last state change
    message_id: str = ""


@dataclass(frozen=True)
class ReviewRow:
    """A Review row that staff typed a resolution into and that is not resolved yet."""

    key: str
    kind: str
    ref: str
    response_id: str
    field: str
    resolve_as: str
    resolution: str = ""  # what destsync last said about it (why it could not be done)


@dataclass
class TrackerSnapshot:
    """Everything the planner needs from the tracker, read in one go."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # ref -> col key -> value
    base: dict[tuple[str, str], str] = field(default_factory=dict)  # (ref, col) -> last written
    responses: dict[str, ResponseRecord] = field(default_factory=dict)
    review_keys: set[str] = field(default_factory=set)
    frozen: set[tuple[str, int]] = field(default_factory=set)  # (checkpoint, leaving year)
    ledger: dict[str, LedgerEntry] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    returns: list[tuple[str, ...]] = field(default_factory=list)  # Returns tab rows
    metrics: list[list[str]] | None = None  # the Metrics tab, header first; None: no tab
    review_open: list[ReviewRow] = field(default_factory=list)
    # Applications tab: application key -> APPLICATION_FIELDS key -> value (issue 16).
    applications: dict[str, dict[str, str]] = field(default_factory=dict)
    # OPTIONAL_KEYS this tracker's Tracker tab has no column for: never written.
    absent: set[str] = field(default_factory=set)
