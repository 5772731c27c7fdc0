"""Placing responses on rows: each Form A response is parsed once, matched to a student
(the prefilled reference, then the personal email, then the exact name with the date of
birth), and turned into the values destsync wants in that student's cells. The result is
a ``Placement``: plain data that the merge (``reconcile``) then weighs against the
tracker. Nothing here decides whether a cell may be written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from destsync.domain import leaving, parse_cache, resolutions
from destsync.domain.answers import CONTACT_KEYS, ParsedResponse
from destsync.domain.consent import FORM_A, STOP_LINK, evidence, version_for
from destsync.domain.context import PlanContext
from destsync.domain.identity import near_match
from destsync.domain.locating import Outcome, locate_all
from destsync.domain.masking import mask_email
from destsync.domain.matching import Matcher
from destsync.domain.model import RawResponse, ResponseRecord, RosterEntry, TrackerSnapshot
from destsync.domain.normalize import clean_text
from destsync.domain.placing_typed import TypedAndForwarded, local_time
from destsync.domain.plan import ReviewItem

ROSTER_SOURCE = "Roster"
FORM_SOURCE = "Form A (not on roster: check)"


def response_ref(code: str, response_id: str) -> str:
    """A stable reference for a student who is not on the roster."""
    return f"{code}-F{hashlib.sha256(response_id.encode()).hexdigest()[:8].upper()}"


@dataclass
class Placement:
    """What the responses and the roster say, before any merge."""

    known_rows: dict[str, dict[str, str]]
    # ours[ref][col] = (value, source): the latest word on each cell from this run's inputs.
    ours: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    new_refs: dict[str, str] = field(default_factory=dict)  # ref -> row source, rows to add
    erase: set[str] = field(default_factory=set)  # refs whose contact details must go
    said_no: set[str] = field(default_factory=set)  # refs with a "No" among this run's answers
    review: list[ReviewItem] = field(default_factory=list)
    review_keys: set[str] = field(default_factory=set)
    outcomes: dict[str, ResponseRecord] = field(default_factory=dict)  # response id -> record
    settled: dict[str, tuple[bool, str]] = field(default_factory=dict)  # typed Review rows
    # response id -> (ref, its answers): earlier submissions a later one replaced
    set_aside: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    long_answers: list[tuple[str, str, str, str]] = field(default_factory=list)  # ref,key,text,rid
    responses_read: int = 0

    def row_exists(self, ref: str) -> bool:
        return ref in self.known_rows or ref in self.new_refs

    def current(self, ref: str, col: str) -> str:
        wanted = self.ours.get(ref, {}).get(col)
        return wanted[0] if wanted else self.known_rows.get(ref, {}).get(col, "")

    def leaving_year(self, ref: str) -> int | None:
        text = self.current(ref, "leaving_year")
        return int(text) if text.isdigit() else None

    def want(self, ref: str, col: str, value: str, source: str) -> None:
        self.ours.setdefault(ref, {})[col] = (value, source)


def place_responses(snap: TrackerSnapshot, roster: Sequence[RosterEntry],
                    responses: Sequence[RawResponse], ctx: PlanContext,
                    now: datetime) -> Placement:
    """The roster's rows and every response, placed; each response parsed once."""
    return _Placer(snap, ctx, now).run(roster, responses)


class _Placer(TypedAndForwarded):
    out: Placement

    def __init__(self, snap: TrackerSnapshot, ctx: PlanContext, now: datetime) -> None:
        self.snap, self.ctx = snap, ctx
        self.tz = ZoneInfo(ctx.timezone)
        self.today = now.astimezone(self.tz).date()
        known = snap.rows  # read only here: the plan says what changes
        self.out = Placement(known, review_keys=set(snap.review_keys))
        self.matcher = Matcher(known)
        self._submitted: dict[str, str] = {}  # response id -> lastSubmittedTime (ISO)
        self._parsed: dict[str, str] = {}  # response id -> its kept parse (parse_cache)
        self._groups: dict[tuple[int, date, str], str | None] = {}  # calendar.group_for, once
        self._consent: dict[str, bool] = {}  # ref -> latest consent answer so far this run
        self._forwarded: dict[str, tuple[str, str]] = {}
        self._decided: dict[str, resolutions.Decision] = {}

    def run(self, roster: Sequence[RosterEntry], responses: Sequence[RawResponse]) -> Placement:
        for entry in roster:
            self._from_roster(entry)
        self._decide()
        ordered = sorted(responses, key=lambda r: (r.submitted, r.response_id))
        self.out.responses_read = len(ordered)
        parsed_list = []
        for raw in ordered:
            rid = raw.response_id
            self._submitted[rid] = submitted = raw.submitted.isoformat(timespec="seconds")
            known = self.snap.responses.get(rid)
            cell = known.parsed if known and known.submitted == submitted else ""
            parsed, self._parsed[rid] = parse_cache.parse(raw, cell, self.today, self.tz)
            parsed_list.append(parsed)
        refs = self._locate_all(parsed_list)
        self._settle_typed_refs(refs)
        # Applied strictly in time order, so a response that skips the consent question
        # inherits the answer given before it, whatever order matching found them in.
        placed: dict[str, tuple[ParsedResponse, str | None, str | None]] = {}
        for parsed in parsed_list:
            ref = refs.get(parsed.raw.response_id)
            if ref is None:
                self._problems(parsed, "")
            group = self._apply_response(parsed, ref) if ref else None
            placed[parsed.raw.response_id] = (parsed, ref, group)
        latest: dict[tuple[str, str], str] = {}  # (ref, group) -> response id
        for raw in ordered:
            _, ref, group = placed[raw.response_id]
            if ref and group:
                prev = latest.get((ref, group))
                if prev:
                    self._record(prev, "superseded", ref)
                    self.out.set_aside[prev] = (ref, placed[prev][0].group_values)
                latest[(ref, group)] = raw.response_id
        for (ref, group), rid in latest.items():
            for key, value in placed[rid][0].group_values.items():
                self.out.want(ref, f"{group}_{key}", value, rid)
        return self.out

    def _from_roster(self, e: RosterEntry) -> None:
        if e.ref not in self.out.known_rows and e.ref not in self.out.new_refs:
            self.out.new_refs[e.ref] = ROSTER_SOURCE
            self.matcher.add(e.ref, {"forename": e.forename, "surname": e.surname, "dob": e.dob})
        values = {
            "ref": e.ref,
            "forename": e.forename,
            "surname": e.surname,
            "dob": e.dob,
            "leaving_year": str(leaving.roster_year(e, self.ctx.calendar)),
            "parent_email": e.parent_email,
            "s72_opt_out": "Yes" if e.s72_opt_out else "",
            "leaving_point": leaving.cell_text(e.leaving_point),  # blank: Year 13
            "left_on": e.left_on,
        }
        ours = self.out.ours.setdefault(e.ref, {})
        for key, value in values.items():
            if value or key in ("s72_opt_out", "leaving_point"):
                ours[key] = (value, "roster")

    def _locate_all(self, parsed_list: list[ParsedResponse]) -> dict[str, str]:
        """Find a row for every response that has one, to a fixpoint (``locating``).

        A response may only be matchable through an email that another response gives, or
        through a row that another response starts. The next run reads those from the
        tracker, so matching here must already see them; otherwise a response would sit
        on Review after one run and join the tracker after the next with no new input.
        """
        def keys_of(p: ParsedResponse) -> list[tuple[str, ...]]:
            keys = self._keys(p.reference, p)
            known = self.snap.responses.get(p.raw.response_id)
            return [*keys, *self.matcher.keys(known.ref, "", "", "", "")] if known else keys

        def attempt(p: ParsedResponse) -> Outcome:
            ref = self._locate(p)
            if ref is not None and p.email and p.consent is not False:
                self.matcher.add_email(ref, p.email)
                return ref, self.matcher.keys("", p.email, "", "", "")
            return ref, ()

        def last_chance(p: ParsedResponse) -> Outcome:
            rows_before = len(self.out.new_refs)
            ref = self._last_chance(p)
            # Only a new row can let another response match; a Review item adds nothing.
            new_row = ref is not None and len(self.out.new_refs) > rows_before
            return ref, self._keys(ref, p) if new_row and ref else ()

        found = locate_all(parsed_list, keys_of, attempt, last_chance)
        return {parsed_list[i].raw.response_id: ref for i, ref in found.items()}

    def _keys(self, reference: str, p: ParsedResponse) -> list[tuple[str, ...]]:
        return self.matcher.keys(reference, p.email, p.forename, p.surname, p.dob)

    def _locate(self, p: ParsedResponse) -> str | None:
        known = self.snap.responses.get(p.raw.response_id)
        if known and known.outcome in ("tracker", "superseded") and self.out.row_exists(known.ref):
            return known.ref  # once placed, a response stays where it was placed
        typed = self._typed_ref(p, known)
        if typed is not None:
            return typed or None  # a person's word replaces matching
        m = self.matcher.match(p.reference, p.email, p.forename, p.surname, p.dob)
        if m.how == "reference" and m.ref and self._forwarded_link(p, m.ref):
            return None
        return m.ref

    def _last_chance(self, p: ParsedResponse) -> str | None:
        rid = p.raw.response_id
        if self._resolved_as_typed(p) or self._forwarded_review(p):
            return self.out.outcomes[rid].ref or None
        m = self.matcher.match(p.reference, p.email, p.forename, p.surname, p.dob)
        if m.near:
            shown, action = near_match(m.near, self._who_in_tracker, self.out.current,
                                       p.email, p.dob, p.leaving_year)
            self._review(p, "Possible match", "", ", ".join(m.near), tracker_value=shown,
                         masked=True, action=action)
            self._record(rid, "review")
            return None
        return self._new_row_for(p)

    def _apply_response(self, p: ParsedResponse, ref: str) -> str | None:
        """Record a placed response's identity data and problems; return its group."""
        self._record(p.raw.response_id, "tracker", ref)
        self._problems(p, ref)
        self._identity(ref, p)
        year = self.out.leaving_year(ref) or p.leaving_year
        if year is None:
            self._review(p, "Unclear answer", ref, "leaving_year",
                         "No leaving year on the roster or the form: the destination could not"
                         " be placed in a checkpoint. Add the leaving year to the row.")
            return None
        day, left = self._local_date(p), self.out.current(ref, "left_on")
        if (group := self._groups.get((year, day, left), "?")) == "?":  # few distinct days
            group = self._groups[(year, day, left)] = self.ctx.calendar.group_for(
                year, day, left)
        if group is None and p.has_destination:
            self._review(p, "Outside tracking period", ref, "destination",
                         "Submitted after the three-year tracking period; not recorded.")
        return group

    def _problems(self, p: ParsedResponse, ref: str) -> None:
        """Every field problem on Review, whether or not the response found a row (one set
        aside as not ours is the exception)."""
        placed = self.out.outcomes.get(p.raw.response_id)
        if placed is not None and placed.outcome == resolutions.IGNORED:
            return
        for field_name, problem in p.problems:
            self._review(p, "Unclear answer", ref, field_name, problem, field_name=field_name)
        for key, whole in p.long_answers.items():
            self.out.long_answers.append((ref, key, whole, p.raw.response_id))

    def _new_row_for(self, p: ParsedResponse, typed: bool = False) -> str | None:
        """A row started from ``p``; ``typed`` when staff asked for it, which needs only a
        name (they have checked the student is one of ours)."""
        rid = p.raw.response_id
        ay = self.ctx.calendar.academic_year(self.today)
        current = {ay, ay + 1}
        if not (p.forename and ((p.dob and p.leaving_year in current) or typed)):
            dob_given = bool(p.raw.answers.get("dob", "").strip())
            lacking = [what for what, ok in (
                ("a name", p.forename),
                ("a readable date of birth" if dob_given else "a date of birth", p.dob),
                (f"a leaving year of {ay} or {ay + 1}", p.leaving_year in current)) if not ok]
            why = (
                f"No roster match and not enough to start a row: it lacks "
                f"{', '.join(lacking)}. Type the student's Ref in Resolve as, or new to start "
                "a row, or ignore if it is not one of ours."
            )
            self._review(p, "No match", "", "identity", why)
            self._record(rid, "review")
            return None
        ref = response_ref(self.ctx.academy_code, rid)
        if ref not in self.out.known_rows and ref not in self.out.new_refs:
            self.out.new_refs[ref] = FORM_SOURCE
            self.out.want(ref, "ref", ref, rid)
            self.out.want(ref, "forename", p.forename, rid)
            self.out.want(ref, "surname", p.surname, rid)
            self.out.want(ref, "dob", p.dob, rid)
            self.out.want(ref, "leaving_year", str(p.leaving_year or ""), rid)
            row = {"forename": p.forename, "surname": p.surname, "dob": p.dob, "email": p.email}
            self.matcher.add(ref, row)
            if not typed:  # staff who typed "new" have already checked
                self._review(
                    p,
                    "Not on roster",
                    ref,
                    "",
                    (
                        "A new row was started from this response. Check it is a real leaver "
                        "and link it to the MIS record."
                    ),
                )
        return ref

    def _identity(self, ref: str, p: ParsedResponse) -> None:
        rid = p.raw.response_id
        if p.consent is not None:
            said = "Withdrawn" if p.withdraws else ("Yes" if p.consent else "No")
            self.out.want(ref, "consent", said, rid)
            self.out.want(ref, "consent_date", self._local_date(p).isoformat(), rid)
            version = version_for(self.snap.base.get((ref, "consent_evidence"), ""), rid,
                                  self.ctx.consent_version)
            self.out.want(ref, "consent_evidence", evidence(
                said, STOP_LINK if p.withdraws else FORM_A, version,
                f"Form A response {rid}, {p.raw.source}"), rid)
            self._consent[ref] = p.consent
        # A response that skips the consent question inherits the student's last answer
        # in time order, or a "Yes" that staff recorded (e.g. from a paper form). Never a
        # "Yes" destsync wrote itself: that would make the outcome depend on the run order.
        consented = self._consent.get(ref, self._staff_consent(ref))
        if p.consent is False:
            self.out.erase.add(ref)
            self.out.said_no.add(ref)
            # Forget contact details an earlier answer gave, so a later "Yes" without
            # them cannot bring them back.
            for col in CONTACT_KEYS:
                self.out.ours.get(ref, {}).pop(col, None)
        elif consented:
            if p.consent is True:
                self.out.erase.discard(ref)  # a later "Yes" outranks an earlier "No"
            if p.email:
                self.out.want(ref, "email", p.email, rid)
            if p.phone:
                self.out.want(ref, "phone", p.phone, rid)
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

    def _staff_consent(self, ref: str) -> bool:
        theirs = self.out.known_rows.get(ref, {}).get("consent", "")
        return theirs == "Yes" and self.snap.base.get((ref, "consent")) != "Yes"

    def _who_in_tracker(self, ref: str) -> str:
        names = (self.out.current(ref, "forename"), self.out.current(ref, "surname"))
        name = " ".join(x for x in names if x)
        return f"{ref}: {name}, born {self.out.current(ref, 'dob') or '?'}"

    def _local_date(self, p: ParsedResponse) -> date:
        return p.local_date or p.raw.submitted.astimezone(self.tz).date()

    def _record(self, rid: str, outcome: str, ref: str = "") -> None:
        # The last word wins within a run (placed, then superseded by a later answer).
        self.out.outcomes[rid] = ResponseRecord(rid, self._submitted.get(rid, ""), outcome, ref,
                                                self._parsed.get(rid, ""))

    def _review(
        self,
        p: ParsedResponse,
        kind: str,
        ref: str,
        shown: str,
        action: str,
        field_name: str = "",
        tracker_value: str = "",
        masked: bool = False,
    ) -> None:
        rid = p.raw.response_id
        key = f"{kind}|{rid}|{p.raw.submitted.isoformat()}|{field_name}"
        # The raw answer, cleaned: control characters and 10,000-character essays stop here.
        # A response not placed on a row shows who sent it, so staff can act on it without
        # opening the form's responses.
        form_value = (
            clean_text(p.raw.answers.get(field_name, ""), 300) if field_name
            else "" if ref else _who_answered(p, masked)
        )
        self._add_review(
            ReviewItem(
                key,
                kind,
                ref,
                rid,
                local_time(p.raw.submitted, self.tz),
                field_name or shown,
                tracker_value,
                form_value,
                action,
            )
        )

    def _add_review(self, item: ReviewItem) -> None:
        if item.key not in self.out.review_keys:
            self.out.review_keys.add(item.key)
            self.out.review.append(item)


def _who_answered(p: ParsedResponse, masked: bool = False) -> str:
    """Who sent a response, as the form gave it (already cleaned). The email is left out
    when the student said no to contact: it must not be kept. ``masked``: a row that sits
    beside other students' names (a possible match) shows it masked, as history does."""
    parts = [" ".join(x for x in (p.forename, p.surname) if x) or "(no name)"]
    given = p.raw.answers.get("dob", "").strip()
    parts.append(f"born {p.dob}" if p.dob else "date of birth unreadable (see its own row)"
                 if given else "no date of birth")
    if p.leaving_year:
        parts.append(f"left {p.leaving_year}")
    if p.email and p.consent is True:  # an unclear answer is not consent
        parts.append(mask_email(p.email) if masked else p.email)
    return ", ".join(parts)
