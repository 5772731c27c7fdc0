"""Reconciling the local authority's extract with the tracker. Pure: a table of text and
the tracker snapshot in, a Plan out, through the same three-way merge as Form A answers.

Each row names a leaver (the school's reference, or whatever column
``[local_authority.columns] ref`` names), an NCCIS activity code, its start date and the
date the local authority confirmed it. The confirmed date picks the checkpoint as a Form
A answer's submission date does (an activity is never a plan: the intended period counts
as Actual); without one, the leaver's current activity (as ``la-export`` chose it).

- The tracker has nothing there: the activity is filled in (code, its destination type,
  start date, date), by the merge, so a person's edit still wins.
- The tracker says the same: the record is **validated by the local authority** (only
  for the Actual checkpoint, the one the validated return reads): Validated "Yes",
  Validated by and Validator "Local authority", Validated on the confirmed date, unless
  staff wrote otherwise (then a Conflict on Review, as always).
- The tracker says something else: a Review row; nothing is overwritten.
- 810 from the local authority says nothing new (it does not know either) and is skipped.

A row that cannot be used (an unknown reference or code, a date that is not a date) is
a Review row of its own; an unknown column is one Review row. Nothing here stops a run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from destsync.domain import vocab
from destsync.domain.calendar import AcademicCalendar
from destsync.domain.la_export import current_activity, la_headers
from destsync.domain.merge import Merger
from destsync.domain.model import GROUPS, TrackerSnapshot, header_of
from destsync.domain.plan import Plan, ReviewItem
from destsync.errors import InputError

IMPORTED = ("ref", "code", "start_date", "confirmed")  # the fields an import reads
LA_KIND = "Local authority"
DISAGREE_ACTION = ("The local authority's record differs from the tracker, which was left "
                   "as it is. Check with the leaver or the provider, correct whichever is "
                   "wrong, then mark this resolved.")
UNUSABLE_ACTION = ("This value from the local authority's file could not be used. Ask "
                   "the local authority to correct it, then mark this resolved.")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class LaRecord:
    line: int  # the file's line number, for the Review tab (no personal data)
    values: Mapping[str, str]  # IMPORTED field -> text


@dataclass
class LaFile:
    records: list[LaRecord] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)


def read_table(table: Sequence[Sequence[str]], overrides: Mapping[str, str],
               name: str) -> LaFile:
    """The extract's rows by field. A file without the identifying column cannot be
    matched at all: that one problem stops the import, before anything is written."""
    headers = la_headers(overrides)
    head = [h.strip().lstrip("\ufeff") for h in (table[0] if table else [])]
    if headers["ref"] not in head:
        raise InputError(
            f"{name} has no {headers['ref']!r} column to say whose row each one is",
            f"name that column {headers['ref']!r}, or set local_authority.columns.ref to "
            "the header the file uses; nothing was written",
        )
    known = set(headers.values())
    out = LaFile(unknown_columns=[h for h in head if h and h not in known])
    at = {f: head.index(headers[f]) for f in IMPORTED if headers[f] in head}
    for line, row in enumerate(table[1:], start=2):
        if any(v.strip() for v in row):
            out.records.append(LaRecord(line, {
                f: (row[i].strip() if i < len(row) else "") for f, i in at.items()}))
    return out


def parse_day(text: str) -> date | None:
    m = _UK.match(text)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def label_for(code: int) -> str:
    """The tracker's destination label for an NCCIS code (its dropdown's wording)."""
    return next((d.label for d in vocab.DESTINATION_TYPES if d.nccis == code),
                vocab.NCCIS_LABELS[code])


@dataclass
class _Import:
    snap: TrackerSnapshot
    calendar: AcademicCalendar
    merger: Merger
    validated: dict[str, str] = field(default_factory=dict)  # ref -> confirmed date

    def review(self, rec: LaRecord, ref: str, fld: str, theirs: str, ours: str,
               action: str) -> None:
        self.merger.add_review(ReviewItem(
            f"LA|{ref or rec.line}|{fld}|{ours}", LA_KIND, ref, f"LA file line {rec.line}",
            rec.values.get("confirmed", ""), fld, theirs, ours, action))

    def group(self, rec: LaRecord, ref: str, row: Mapping[str, str],
              confirmed: date | None) -> str | None:
        year = row.get("leaving_year", "")
        if confirmed is None or not year.isdigit():
            return current_activity(row) or _latest_coded(row)
        g = self.calendar.group_for(int(year), confirmed)
        if g is None:
            self.review(rec, ref, "Date confirmed", "", confirmed.isoformat(),
                        "This is after the three-year tracking period, so destsync did not "
                        "use it. Mark this resolved.")
        return "actual" if g == "intended" else g

    def cell(self, ref: str, col: str, value: str, src: str) -> None:
        row = self.snap.rows[ref]
        if col in row:  # a tracker without the column (set up before it existed) keeps none
            self.merger.cell(ref, row[col], col, value, src)

    def record(self, rec: LaRecord) -> None:
        ref = rec.values.get("ref", "")
        row = self.snap.rows.get(ref)
        if row is None:
            self.review(rec, ref, "School reference", "", ref,
                        "No student in this tracker has this reference. " + UNUSABLE_ACTION)
            return
        text = rec.values.get("code", "")
        if not text:
            return  # nothing to reconcile (an opted-out leaver's row, for one)
        if not text.isdigit() or int(text) not in vocab.NCCIS_LABELS:
            self.review(rec, ref, "Activity code", "", text,
                        "This is not an NCCIS code destsync knows (the table is in "
                        "destsync/domain/vocab.py). " + UNUSABLE_ACTION)
            return
        code = int(text)
        if code == vocab.NOT_KNOWN:
            return  # the local authority does not know either: nothing new
        start_text = rec.values.get("start_date", "")
        start = parse_day(start_text) if start_text else None
        if start_text and start is None:
            self.review(rec, ref, "Start date", "", start_text, UNUSABLE_ACTION)
        confirmed_text = rec.values.get("confirmed", "")
        confirmed = parse_day(confirmed_text) if confirmed_text else None
        if confirmed_text and confirmed is None:
            self.review(rec, ref, "Date confirmed", "", confirmed_text, UNUSABLE_ACTION)
        g = self.group(rec, ref, row, confirmed)
        if g is not None:
            self.reconcile(rec, ref, row, g, code, start, confirmed)

    def reconcile(self, rec: LaRecord, ref: str, row: Mapping[str, str], g: str,
                  code: int, start: date | None, confirmed: date | None) -> None:
        src = f"LA file line {rec.line}"
        theirs = row.get(f"{g}_nccis", "").strip()
        if theirs and theirs != str(code):
            self.review(rec, ref, header_of(f"{g}_nccis"), theirs, str(code), DISAGREE_ACTION)
            return
        have_start = row.get(f"{g}_start_date", "").strip()
        if start and have_start and have_start != start.isoformat():
            self.review(rec, ref, header_of(f"{g}_start_date"), have_start, start.isoformat(),
                        DISAGREE_ACTION)
            return
        wants = {f"{g}_nccis": str(code)}
        if not row.get(f"{g}_destination", "").strip():
            wants[f"{g}_destination"] = label_for(code)
        if start and not have_start:
            wants[f"{g}_start_date"] = start.isoformat()
        if confirmed and not theirs and not row.get(f"{g}_updated", "").strip():
            wants[f"{g}_updated"] = confirmed.isoformat()
        for col, value in wants.items():
            self.cell(ref, col, value, src)
        if theirs and g == "actual" and code not in vocab.NOT_KNOWN_CODES:
            on = confirmed or parse_day(row.get(f"{g}_updated", ""))
            self.validated[ref] = on.isoformat() if on else ""
            # Who, how and when: the evidence explicit validation asks for (validation.py).
            for col, value in (("validated", "Yes"), ("validated_by", LA_KIND),
                               ("validator", LA_KIND), ("validated_on", self.validated[ref])):
                if value:
                    self.cell(ref, col, value, src)


def _latest_coded(row: Mapping[str, str]) -> str:
    """The latest checkpoint holding any code (a not-known one), else Actual."""
    for g in reversed([k for k, _ in GROUPS if k != "intended"]):
        if row.get(f"{g}_nccis", "").strip():
            return g
    return "actual"


def plan_la_import(snap: TrackerSnapshot, extract: LaFile, calendar: AcademicCalendar,
                   now: str, elsewhere: frozenset[str] = frozenset(),
                   reports_file: bool = True) -> Plan:
    """The plan for one tracker. With several academies, rows whose reference is in
    another academy's tracker (``elsewhere``) are that one's; only the academy that
    ``reports_file`` puts the file's own problems (unknown columns, unknown references)
    on its Review tab."""
    plan = Plan(now=now)
    merger = Merger(snap.base, plan, set(snap.review_keys))
    job = _Import(snap, calendar, merger)
    for col in extract.unknown_columns if reports_file else ():
        merger.add_review(ReviewItem(
            f"LA|column|{col}", LA_KIND, "", "LA file", "", col, "", "",
            "destsync does not read this column of the local authority's file. Rename it "
            "to one of the names in [local_authority.columns], or ignore it, then mark "
            "this resolved."))
    for rec in extract.records:
        ref = rec.values.get("ref", "")
        if ref not in elsewhere and (reports_file or ref in snap.rows):
            job.record(rec)
    plan.log = [
        replace(e, note=f"validated by the local authority, confirmed on {job.validated[e.ref]}"
                if job.validated.get(e.ref) else "validated by the local authority")
        if e.field == "validated" else e
        for e in plan.log
    ]
    return plan
