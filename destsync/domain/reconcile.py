"""The pure planner: tracker snapshot + roster + responses + now → Plan.

Per destsync-owned cell it runs a three-way merge: *base* is what destsync last wrote,
*theirs* is the cell now, *ours* is what the roster or the latest response says. A person's
edit (theirs != base) always stands; the disagreement becomes a Conflict review item.
The only exception is erasure: when a student refuses or withdraws consent, their contact
details go, whoever typed them, because the law says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from destsync.domain.answers import CONTACT_KEYS, ParsedResponse, parse_response
from destsync.domain.calendar import AcademicCalendar, Checkpoint
from destsync.domain.matching import Matcher
from destsync.domain.model import (
    RawResponse,
    ResponseRecord,
    RosterEntry,
    TrackerSnapshot,
    header_of,
)
from destsync.domain.normalize import clean_text, shown_contact
from destsync.domain.plan import CellChange, Freeze, LogEntry, NewRow, Plan, ReviewItem, after_rows

# Once the tracking period and its grace are over, every way to reach the student or
# their family goes (DOMAIN.md, retention); the anonymisable rest of the row stays.
RETENTION_KEYS = (*CONTACT_KEYS, "parent_email")
ROSTER_SOURCE = "Roster"
FORM_SOURCE = "Form A (not on roster: check)"


@dataclass(frozen=True)
class PlanContext:
    """What the planner needs from the config for one academy."""

    academy_code: str
    calendar: AcademicCalendar
    checkpoints: tuple[Checkpoint, ...]
    freeze_late_days: int = 14
    retention_grace_days: int = 180
    timezone: str = "Europe/London"  # the school's: dates of submissions are its dates


def response_ref(code: str, response_id: str) -> str:
    """A stable reference for a student who is not on the roster."""
    return f"{code}-F{hashlib.sha256(response_id.encode()).hexdigest()[:8].upper()}"


def plan_sync(
    snap: TrackerSnapshot,
    roster: Sequence[RosterEntry],
    responses: Sequence[RawResponse],
    ctx: PlanContext,
    now: datetime,
    extra_wants: Sequence[tuple[str, str, str, str]] = (),
) -> Plan:
    """``extra_wants`` are (ref, column, value, source) cells decided elsewhere (a
    campaign's "not known" outcome); they go through the same three-way merge, and any
    value from a response for the same cell wins over them."""
    return _Planner(snap, ctx, now).run(roster, responses, extra_wants)


class _Planner:
    def __init__(self, snap: TrackerSnapshot, ctx: PlanContext, now: datetime) -> None:
        self.snap, self.ctx, self.now = snap, ctx, now
        self.tz = ZoneInfo(ctx.timezone)
        self.today = now.astimezone(self.tz).date()
        self.plan = Plan(now=now.isoformat(timespec="seconds"))
        # ours[ref][col] = (value, source); "erase" marks forced erasure of contact details.
        self.ours: dict[str, dict[str, tuple[str, str]]] = {}
        self.erase: set[str] = set()
        self.said_no: set[str] = set()  # refs with a "No" among this run's responses
        self.new_refs: dict[str, str] = {}  # ref -> row source, for rows this run adds
        self.known_rows = {ref: dict(row) for ref, row in snap.rows.items()}
        self.matcher = Matcher(self.known_rows)
        self._review_keys = set(snap.review_keys)
        self._submitted: dict[str, str] = {}  # response id -> lastSubmittedTime (ISO)
        self._outcomes: dict[str, ResponseRecord] = {}
        self._consent: dict[str, bool] = {}  # ref -> latest consent answer so far this run

    # -- inputs -------------------------------------------------------------------------
    def run(
        self,
        roster: Sequence[RosterEntry],
        responses: Sequence[RawResponse],
        extra_wants: Sequence[tuple[str, str, str, str]] = (),
    ) -> Plan:
        for entry in roster:
            self._from_roster(entry)
        ordered = sorted(responses, key=lambda r: (r.submitted, r.response_id))
        self.plan.responses_read = len(ordered)
        parsed_list = []
        for raw in ordered:
            self._submitted[raw.response_id] = raw.submitted.isoformat(timespec="seconds")
            parsed_list.append(parse_response(raw, self.today, self.tz))
        refs = self._locate_all(parsed_list)
        # Applied strictly in time order, so a response that skips the consent question
        # inherits the answer given before it, whatever order matching found them in.
        placed: dict[str, tuple[ParsedResponse, str | None, str | None]] = {}
        for parsed in parsed_list:
            ref = refs.get(parsed.raw.response_id)
            group = self._apply_response(parsed, ref) if ref else None
            placed[parsed.raw.response_id] = (parsed, ref, group)
        latest: dict[tuple[str, str], str] = {}  # (ref, group) -> response id
        for raw in ordered:
            _, ref, group = placed[raw.response_id]
            if ref and group:
                prev = latest.get((ref, group))
                if prev:
                    self._record(prev, "superseded", ref)
                latest[(ref, group)] = raw.response_id
        parsed_by_id = {rid: (p, ref or "", group) for rid, (p, ref, group) in placed.items()}
        for (ref, group), rid in latest.items():
            parsed, _, _ = parsed_by_id[rid]
            for key, value in parsed.group_values.items():
                self._want(ref, f"{group}_{key}", value, rid)
        for ref, col, value, source in extra_wants:
            if self._row_exists(ref) and col not in self.ours.get(ref, {}):
                self._want(ref, col, value, source)
        self.plan.responses = [
            rec for rid, rec in self._outcomes.items() if self.snap.responses.get(rid) != rec
        ]
        self._merge()
        self._freeze()
        return self.plan

    def _from_roster(self, e: RosterEntry) -> None:
        if e.ref not in self.known_rows and e.ref not in self.new_refs:
            self.new_refs[e.ref] = ROSTER_SOURCE
            self.matcher.add(e.ref, {"forename": e.forename, "surname": e.surname, "dob": e.dob})
        values = {
            "ref": e.ref,
            "forename": e.forename,
            "surname": e.surname,
            "dob": e.dob,
            "leaving_year": str(e.leaving_year),
            "parent_email": e.parent_email,
            "s72_opt_out": "Yes" if e.s72_opt_out else "",
        }
        for key, value in values.items():
            if value or key == "s72_opt_out":
                self._want(e.ref, key, value, "roster")

    def _locate_all(self, parsed_list: list[ParsedResponse]) -> dict[str, str]:
        """Find a row for every response that has one, to a fixpoint.

        A response may only be matchable through an email that another response gives, or
        through a row that another response starts. The next run reads those from the
        tracker, so matching here must already see them; otherwise a response would sit
        on Review after one run and join the tracker after the next with no new input.
        """
        refs: dict[str, str] = {}
        pending = list(parsed_list)
        rescan = True
        while pending:
            if rescan:
                still: list[ParsedResponse] = []
                for p in pending:
                    ref = self._locate(p)
                    if ref is None:
                        still.append(p)
                        continue
                    refs[p.raw.response_id] = ref
                    if p.email and p.consent is not False:
                        self.matcher.add_email(ref, p.email)
                if len(still) < len(pending):
                    pending = still
                    continue
            # No progress: the earliest unplaced response gets its last chance (a new row
            # or Review), and the rest are tried again against what that added. Only a new
            # row can let another response match; after a Review item a rescan would find
            # nothing, and with many unmatched responses it made placing them quadratic.
            first, pending = pending[0], pending[1:]
            rows_before = len(self.new_refs)
            ref = self._last_chance(first)
            if ref is not None:
                refs[first.raw.response_id] = ref
            rescan = len(self.new_refs) > rows_before
        return refs

    def _locate(self, p: ParsedResponse) -> str | None:
        known = self.snap.responses.get(p.raw.response_id)
        if known and known.outcome in ("tracker", "superseded") and self._row_exists(known.ref):
            return known.ref  # once placed, a response stays where it was placed
        return self.matcher.match(p.reference, p.email, p.forename, p.surname, p.dob).ref

    def _last_chance(self, p: ParsedResponse) -> str | None:
        rid = p.raw.response_id
        m = self.matcher.match(p.reference, p.email, p.forename, p.surname, p.dob)
        if m.near:
            near = ", ".join(m.near)
            self._review(
                p,
                "Possible match",
                "",
                near,
                tracker_value="; ".join(self._who_in_tracker(r) for r in m.near),
                action=(
                    f"Looks like {near} (same date of birth, similar name). If it is the "
                    "same student, copy the answers onto that row; if not, add the student "
                    "to the roster and sync again."
                ),
            )
            self._record(rid, "review")
            return None
        return self._new_row_for(p)

    def _apply_response(self, p: ParsedResponse, ref: str) -> str | None:
        """Record a placed response's identity data and problems; return its group."""
        rid = p.raw.response_id
        self._record(rid, "tracker", ref)
        for field_name, problem in p.problems:
            self._review(p, "Unclear answer", ref, field_name, problem, field_name=field_name)
        self._identity(ref, p)
        year = self._leaving_year(ref) or p.leaving_year
        if year is None:
            self._review(
                p,
                "Unclear answer",
                ref,
                "leaving_year",
                (
                    "No leaving year on the roster or the form: the destination could not be "
                    "placed in a checkpoint. Add the leaving year to the row."
                ),
            )
            return None
        group = self.ctx.calendar.group_for(year, self._local_date(p))
        if group is None and p.has_destination:
            self._review(
                p,
                "Outside tracking period",
                ref,
                "destination",
                ("Submitted after the three-year tracking period; not recorded."),
            )
        return group

    def _new_row_for(self, p: ParsedResponse) -> str | None:
        rid = p.raw.response_id
        ay = self.ctx.calendar.academic_year(self.today)
        current = {ay, ay + 1}
        if not (p.forename and p.dob and p.leaving_year in current):
            why = (
                "No roster match and not enough to start a row (needs a name, a date of "
                f"birth and a leaving year of {ay} or {ay + 1}). Find the student and add "
                "their Ref, or delete this if it is not one of ours."
            )
            self._review(p, "No match", "", "identity", why)
            self._record(rid, "review")
            return None
        ref = response_ref(self.ctx.academy_code, rid)
        if ref not in self.known_rows and ref not in self.new_refs:
            self.new_refs[ref] = FORM_SOURCE
            self._want(ref, "ref", ref, rid)
            self._want(ref, "forename", p.forename, rid)
            self._want(ref, "surname", p.surname, rid)
            self._want(ref, "dob", p.dob, rid)
            self._want(ref, "leaving_year", str(p.leaving_year), rid)
            row = {"forename": p.forename, "surname": p.surname, "dob": p.dob, "email": p.email}
            self.matcher.add(ref, row)
            self._review(
                p,
                "Not on roster",
                ref,
                "",
                (
                    "A new row was started from this response. Check it is a real leaver and "
                    "link it to the MIS record."
                ),
            )
        return ref

    def _identity(self, ref: str, p: ParsedResponse) -> None:
        rid = p.raw.response_id
        if p.consent is not None:
            self._want(ref, "consent", "Yes" if p.consent else "No", rid)
            self._want(ref, "consent_date", self._local_date(p).isoformat(), rid)
            self._want(ref, "consent_evidence", f"Form A response {rid} ({p.raw.source})", rid)
            self._consent[ref] = p.consent
        # A response that skips the consent question inherits the student's last answer
        # in time order, or a "Yes" that staff recorded (e.g. from a paper form). Never a
        # "Yes" destsync wrote itself: that would make the outcome depend on the run order.
        consented = self._consent.get(ref, self._staff_consent(ref))
        if p.consent is False:
            self.erase.add(ref)
            self.said_no.add(ref)
            # Forget contact details an earlier answer gave, so a later "Yes" without
            # them cannot bring them back.
            for col in CONTACT_KEYS:
                self.ours.get(ref, {}).pop(col, None)
        elif consented:
            if p.consent is True:
                self.erase.discard(ref)  # a later "Yes" outranks an earlier "No"
            if p.email:
                self._want(ref, "email", p.email, rid)
            if p.phone:
                self._want(ref, "phone", p.phone, rid)
        elif p.email or p.phone:
            self._review(
                p,
                "No consent",
                ref,
                "consent",
                (
                    "Contact details were given without an answer to the consent question, so "
                    "they were not stored. Ask the student to answer it."
                ),
            )

    # -- helpers ------------------------------------------------------------------------
    def _staff_consent(self, ref: str) -> bool:
        theirs = self.known_rows.get(ref, {}).get("consent", "")
        return theirs == "Yes" and self.snap.base.get((ref, "consent")) != "Yes"

    def _who_in_tracker(self, ref: str) -> str:
        names = (self._current(ref, "forename"), self._current(ref, "surname"))
        name = " ".join(x for x in names if x)
        return f"{ref}: {name}, born {self._current(ref, 'dob') or '?'}"

    def _local_date(self, p: ParsedResponse) -> date:
        return p.local_date or p.raw.submitted.astimezone(self.tz).date()

    def _row_exists(self, ref: str) -> bool:
        return ref in self.known_rows or ref in self.new_refs

    def _current(self, ref: str, col: str) -> str:
        wanted = self.ours.get(ref, {}).get(col)
        return wanted[0] if wanted else self.known_rows.get(ref, {}).get(col, "")

    def _leaving_year(self, ref: str) -> int | None:
        text = self._current(ref, "leaving_year")
        return int(text) if text.isdigit() else None

    def _want(self, ref: str, col: str, value: str, source: str) -> None:
        self.ours.setdefault(ref, {})[col] = (value, source)

    def _record(self, rid: str, outcome: str, ref: str = "") -> None:
        # The last word wins within a run (placed, then superseded by a later answer).
        self._outcomes[rid] = ResponseRecord(rid, self._submitted.get(rid, ""), outcome, ref)

    def _review(
        self,
        p: ParsedResponse,
        kind: str,
        ref: str,
        shown: str,
        action: str,
        field_name: str = "",
        tracker_value: str = "",
    ) -> None:
        rid = p.raw.response_id
        key = f"{kind}|{rid}|{p.raw.submitted.isoformat()}|{field_name}"
        # The raw answer, cleaned: control characters and 10,000-character essays stop here.
        # A response not placed on a row shows who sent it, so staff can act on it without
        # opening the form's responses.
        form_value = (
            clean_text(p.raw.answers.get(field_name, ""), 300) if field_name
            else "" if ref else _who_answered(p)
        )
        self._add_review(
            ReviewItem(
                key,
                kind,
                ref,
                rid,
                p.raw.submitted.isoformat(timespec="seconds"),
                field_name or shown,
                tracker_value,
                form_value,
                action,
            )
        )

    def _add_review(self, item: ReviewItem) -> None:
        if item.key not in self._review_keys:
            self._review_keys.add(item.key)
            self.plan.review.append(item)

    # -- merge --------------------------------------------------------------------------
    def _merge(self) -> None:
        expired: set[str] = set()
        for ref in list(self.known_rows) + list(self.new_refs):
            if self._current(ref, "contact_status") == "Consent withdrawn":
                self.erase.add(ref)
            if self._retention_over(ref):
                expired.add(ref)
        for ref, source in self.new_refs.items():
            wanted = self.ours.get(ref, {})
            values = {col: v for col, (v, _) in wanted.items() if v}
            values["source"] = source
            for col in self._erased_keys(ref, expired):
                values.pop(col, None)
            self.plan.new_rows.append(NewRow(ref, values, source))
            for col, v in values.items():
                self.plan.base_updates[(ref, col)] = v
        # A "No" then a "Yes" since the last run: the "Yes" stores only what it gave, and
        # whatever was held before the "No" goes, as if a run had happened in between.
        reconsented = (self.said_no - self.erase - expired) - set(self.new_refs)
        for ref in sorted(reconsented):
            self._replace_contacts(ref)
        for ref, wanted in self.ours.items():
            if ref in self.new_refs:
                continue
            row = self.known_rows[ref]
            erased = self._erased_keys(ref, expired)
            if ref in reconsented:
                erased = CONTACT_KEYS
            for col, (ours, source) in wanted.items():
                if col in erased:
                    continue
                self._merge_cell(ref, row, col, ours, source)
        for ref in sorted((self.erase | expired) - set(self.new_refs)):
            source, note = (
                ("retention", "erased: tracking period over") if ref in expired
                else ("consent", "erased: no consent")
            )
            for col in self._erased_keys(ref, expired):
                old = self.known_rows.get(ref, {}).get(col, "")
                if old:
                    self.plan.changes.append(CellChange(ref, col, old, "", source))
                    # The log keeps no trace of the erased value, not even masked.
                    self.plan.log.append(LogEntry(ref, col, "(erased)", "", source, note))
                if self.snap.base.get((ref, col), "") != "":
                    self.plan.base_updates[(ref, col)] = ""

    def _replace_contacts(self, ref: str) -> None:
        for col in CONTACT_KEYS:
            old = self.known_rows[ref].get(col, "")
            new = self.ours.get(ref, {}).get(col, ("", ""))[0]
            if old != new:
                self.plan.changes.append(CellChange(ref, col, old, new, "consent"))
                self.plan.log.append(LogEntry(
                    ref, col, "(erased)" if old else "", shown_contact(col, new), "consent",
                    "consent withdrawn, then given again"))
            if self.snap.base.get((ref, col), "") != new:
                self.plan.base_updates[(ref, col)] = new

    def _erased_keys(self, ref: str, expired: set[str]) -> tuple[str, ...]:
        if ref in expired:
            return RETENTION_KEYS
        return CONTACT_KEYS if ref in self.erase else ()

    def _retention_over(self, ref: str) -> bool:
        year = self._leaving_year(ref)
        if year is None:
            return False
        ends = self.ctx.calendar.tracking_ends(year)
        return self.today > ends + timedelta(days=self.ctx.retention_grace_days)

    def _merge_cell(self, ref: str, row: dict[str, str], col: str, ours: str, src: str) -> None:
        theirs = row.get(col, "")
        base = self.snap.base.get((ref, col))
        if ours == base or (base is None and ours == ""):
            return  # nothing new to say about this cell
        if theirs == ours:
            self.plan.base_updates[(ref, col)] = ours
            return
        if theirs == (base or ""):
            self.plan.changes.append(CellChange(ref, col, theirs, ours, src))
            self.plan.base_updates[(ref, col)] = ours
            self.plan.log.append(LogEntry(
                ref, col, shown_contact(col, theirs), shown_contact(col, ours), src, ""))
            return
        header = header_of(col)
        self._add_review(
            ReviewItem(
                conflict_key(ref, col, ours),
                "Conflict",
                ref,
                src if src != "roster" else "",
                "",
                header,
                shown_contact(col, theirs),
                shown_contact(col, ours),
                "A person changed this cell, so destsync left it alone. Copy the form's value "
                "in if it is right, then mark this resolved.",
            )
        )

    # -- returns ------------------------------------------------------------------------
    def _freeze(self) -> None:
        after = after_rows(self.snap, self.plan)
        cohorts: dict[int, list[str]] = {}
        for ref, row in after.items():
            y = row.get("leaving_year", "")
            if y.isdigit():
                cohorts.setdefault(int(y), []).append(ref)
        late_after = timedelta(days=self.ctx.freeze_late_days)
        for cp in self.ctx.checkpoints:
            for year, refs in sorted(cohorts.items()):
                deadline = self.ctx.calendar.deadline(cp, year)
                if self.today <= deadline or (cp.key, year) in self.snap.frozen:
                    continue
                rows = tuple(self._return_row(cp, year, after[r]) for r in sorted(refs))
                late = self.today > deadline + late_after
                self.plan.freezes.append(Freeze(cp.key, cp.label, year, rows, late))

    def _return_row(self, cp: Checkpoint, year: int, row: dict[str, str]) -> tuple[str, ...]:
        g = cp.group
        dest = row.get(f"{g}_destination", "")
        validated = row.get("validated", "")
        note = ""
        if not dest:
            note = "No destination recorded"
        elif cp.needs_validation and validated != "Yes":
            note = "Not validated"
        return (
            cp.label,
            str(year),
            self.today.isoformat(),
            row.get("ref", ""),
            row.get("forename", ""),
            row.get("surname", ""),
            dest,
            row.get(f"{g}_nccis", ""),
            row.get(f"{g}_course", ""),
            row.get(f"{g}_level", ""),
            row.get(f"{g}_provider", ""),
            validated,
            note,
        )


def _who_answered(p: ParsedResponse) -> str:
    """Who sent a response, as the form gave it (already cleaned). The email is left out
    when the student said no to contact: it must not be kept."""
    parts = [" ".join(x for x in (p.forename, p.surname) if x) or "(no name)"]
    parts.append(f"born {p.dob}" if p.dob else "no date of birth")
    if p.leaving_year:
        parts.append(f"left {p.leaving_year}")
    if p.email and p.consent is True:  # an unclear answer is not consent
        parts.append(p.email)
    return ", ".join(parts)


def conflict_key(ref: str, col: str, ours: str) -> str:
    """The same conflict is raised once. A contact value is hashed into the key, which
    sits in a visible column and would otherwise keep the address after an erasure."""
    if col in CONTACT_KEYS:
        ours = hashlib.sha256(ours.encode("utf-8")).hexdigest()[:12]
    return f"Conflict|{ref}|{col}|{ours}"
