"""Placing check-in answers: each check-in is matched to a student the way Form A is (the
prefilled reference, then the exact name with the date of birth; a reference whose row is
someone else's goes to Review and writes nothing), then becomes

- the *Intended* columns' wanted values (route through the destination vocabulary, and
  the provider, course and level of a confirmed or firm application), and
- one wanted row per application for the Applications tab (``applications``).

**Which says the intention, Form A or the check-in?** The later one by submitted time.
A run may see only some of the answers (Forms is read from a watermark), so the merge
base keeps, under ``MARKER``, the submitted time of the answer whose intention destsync
wrote; the latest of that, this run's Form A answer and the latest check-in wins. A
tracker written before the marker existed is known only by its *Intended response
date*: a check-in from a later day wins over it. Whatever wins still goes through the
three-way merge: a person's edit of an Intended cell stands. A check-in after the
intended deadline (the return is frozen by then) changes no Intended column; its
applications still count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from destsync.domain import identity
from destsync.domain.checkin import ParsedCheckin, app_key, parse_checkin
from destsync.domain.context import PlanContext
from destsync.domain.matching import Matcher
from destsync.domain.model import RawResponse, TrackerSnapshot
from destsync.domain.normalize import clean_text
from destsync.domain.placing import Placement
from destsync.domain.placing_typed import local_time
from destsync.domain.plan import ReviewItem
from destsync.domain.resolutions import ACCEPT, IGNORE, NEW, NOT_DONE, word

MARKER = "checkin_intended"  # merge-base column: when the intention written was submitted
NO_MATCH = "Check-in: no match"
UNCLEAR = "Check-in: unclear answer"
FORWARDED = "Check-in: link used by someone else?"
# _destsync_meta: a check-in staff placed by hand on Review -> its Ref ("" for ignore).
# Kept for good: check-ins are read whole every run, and must land where staff said.
PLACED_KEY = "checkin_placed|"


@dataclass(frozen=True)
class AppWant:
    ref: str
    values: dict[str, str]  # APPLICATION_FIELDS key -> value
    source: str  # the check-in's response id
    label: str  # "provider / course", for Review


@dataclass
class CheckinPlacement:
    apps: dict[str, AppWant] = field(default_factory=dict)  # application key -> want
    review: list[ReviewItem] = field(default_factory=list)
    markers: dict[str, str] = field(default_factory=dict)  # ref -> MARKER value to store
    meta: dict[str, str] = field(default_factory=dict)  # PLACED_KEY rows to store
    # Review key -> (Resolved, Resolution) to write; None: leave the row as it is.
    resolved: dict[str, tuple[str, str] | None] = field(default_factory=dict)


def place_checkins(snap: TrackerSnapshot, p: Placement, checkins: Sequence[RawResponse],
                   ctx: PlanContext, now: datetime, slots: int) -> CheckinPlacement:
    """Every check-in placed; ``p.ours`` gains the Intended cells check-ins win."""
    out = CheckinPlacement()
    if not slots:
        return out  # no check-in form: the tracker's merge base stays as it always was
    tz = ZoneInfo(ctx.timezone)
    today = now.astimezone(tz).date()
    refs = [*p.known_rows, *p.new_refs]
    matcher = Matcher({r: {k: p.current(r, k) for k in ("forename", "surname", "dob")}
                       for r in refs})
    latest: dict[str, ParsedCheckin] = {}
    placed = typed_placements(snap, p, out, today.isoformat())
    for raw in sorted(checkins, key=lambda r: (r.submitted, r.response_id)):
        c = parse_checkin(raw, today, tz, slots)
        by_hand = placed.get(raw.response_id, snap.meta.get(PLACED_KEY + raw.response_id))
        ref = by_hand if by_hand is not None else _locate(c, p, matcher, out, tz)
        if not ref or not p.row_exists(ref):
            continue
        for fname, problem in c.problems:
            out.review.append(_item(c, UNCLEAR, ref, fname, problem, tz,
                                    raw.answers.get(fname, "")))
        if intended_values(c):  # the latest that speaks for the intention, in time order
            latest[ref] = c
        for a in c.applications:
            key = app_key(ref, a.provider, a.course)
            values = {"ref": ref, "provider": a.provider, "course": a.course,
                      "level": a.level, "status": a.status,
                      "updated": (c.local_date or today).isoformat()}
            out.apps[key] = AppWant(ref, values, raw.response_id, f"{a.provider} / {a.course}")
    for ref in refs:
        _intention(snap, p, ref, latest.get(ref), ctx, out)
    return out


def _locate(c: ParsedCheckin, p: Placement, matcher: Matcher, out: CheckinPlacement,
            tz: ZoneInfo) -> str | None:
    m = matcher.match(c.reference, "", c.forename, c.surname, c.dob)
    rid = c.raw.response_id
    if m.ref and m.how == "reference":
        row = {k: p.current(m.ref, k) for k in ("forename", "surname", "dob")}
        differs = identity.disagreement(row, c.forename, c.surname, c.dob)
        if differs:
            names = " ".join(x for x in (row["forename"], row["surname"]) if x)
            item = identity.forwarded_item(
                rid, local_time(c.raw.submitted, tz), m.ref,
                f"{m.ref}: {names}, born {row['dob'] or '?'}",
                identity.who_answered(c.forename, c.surname, c.dob, ""), differs)
            # A kind of its own: Form A's placing does not read it (``typed_placements``).
            out.review.append(replace(item, key=f"{FORWARDED}|{rid}|{m.ref}", kind=FORWARDED,
                                      action=item.action.replace("new to start a row, ", "")))
            return None
    if m.ref is None:
        who = identity.who_answered(c.forename, c.surname, c.dob, "")
        out.review.append(_item(c, NO_MATCH, "", "identity", (
            "This check-in matches no student (by reference, or by name and date of birth), "
            "so nothing was recorded. Type the student's Ref in Resolve as, or ignore; or "
            "add the student to the roster."), tz, who))
    return m.ref


def typed_placements(snap: TrackerSnapshot, p: Placement, out: CheckinPlacement,
                     today: str) -> dict[str, str]:
    """Check-in Review rows staff typed into: response id -> the Ref to place it on (""
    for ignore). ``accept`` takes the Ref a forwarded link named; ``new`` cannot start a
    row (a check-in has no leaving year): that row stays open saying so."""
    spelt = {r.casefold(): r for r in (*p.known_rows, *p.new_refs)}
    placed: dict[str, str] = {}
    for row in snap.review_open:
        if row.kind not in (FORWARDED, NO_MATCH) or not row.response_id:
            continue
        typed = word(row.resolve_as)
        target = row.ref if typed == ACCEPT and row.kind == FORWARDED else row.resolve_as
        ref = "" if typed == IGNORE else spelt.get(target.strip().casefold())
        if ref is None:
            why = NOT_DONE + ("a check-in cannot start a row; type the student's Ref, or "
                              "ignore" if typed in (NEW, ACCEPT) else
                              f"no row in the tracker has Ref {target.strip()}")
            out.resolved[row.key] = ("", why) if row.resolution != why else None
            continue
        placed[row.response_id] = ref
        out.meta[PLACED_KEY + row.response_id] = ref
        out.resolved[row.key] = (today, f"check-in placed on {ref}" if ref else
                                 "ignored: not one of ours")
    return placed


def _item(c: ParsedCheckin, kind: str, ref: str, fname: str, action: str, tz: ZoneInfo,
          shown: str) -> ReviewItem:
    rid = c.raw.response_id
    return ReviewItem(f"{kind}|{rid}|{fname}", kind, ref, rid, local_time(c.raw.submitted, tz),
                      fname, "", clean_text(shown, 300), action)


def intended_values(c: ParsedCheckin) -> dict[str, str]:
    """The Intended columns a check-in speaks for."""
    out: dict[str, str] = {}
    if c.intended is not None:
        out["intended_destination"] = c.intended.label
        out["intended_nccis"] = str(c.intended.nccis)
    firm = c.firm
    if firm is not None:
        out.update(intended_provider=firm.provider, intended_course=firm.course)
        if firm.level:
            out["intended_level"] = firm.level
    if out and c.local_date is not None:
        out["intended_updated"] = c.local_date.isoformat()
    return out


def _intention(snap: TrackerSnapshot, p: Placement, ref: str, c: ParsedCheckin | None,
               ctx: PlanContext, out: CheckinPlacement) -> None:
    """Who says ``ref``'s intention: the latest of this run's Form A answer, the latest
    check-in and what the tracker holds. ``MARKER`` keeps the submitted time of what
    destsync last wrote there, so a run that reads only some of them (Forms is read from a
    watermark; a CSV export again in full) still knows which is the latest."""
    marker = snap.base.get((ref, MARKER), "")
    held = _time(marker)
    form_time = _form_a_time(p, ref)
    wanted = intended_values(c) if c is not None else {}
    year = p.leaving_year(ref)
    if c is None or c.local_date is None or year is None \
            or ctx.calendar.group_for(year, c.local_date) != "intended":
        c, wanted = None, {}
    if held is None and form_time is None and c is not None:
        # Written before the marker existed: only its date is known.
        theirs = p.known_rows.get(ref, {}).get("intended_updated", "")
        if theirs and (c.local_date or date.min).isoformat() <= theirs:
            c = None
    times = {"held": held, "form": form_time, "checkin": c.raw.submitted if c else None}
    # The latest wins; on a tie the source beats the record of it (same answer again).
    order = {"checkin": 2, "form": 1, "held": 0}
    winner = max((k for k, t in times.items() if t is not None),
                 key=lambda k: (times[k], order[k]), default="")
    if winner == "checkin" and c is not None:
        for col, value in wanted.items():
            p.want(ref, col, value, c.raw.response_id)
    elif winner == "held" and form_time is not None:
        for col in [k for k in p.ours.get(ref, {}) if k.startswith("intended_")]:
            del p.ours[ref][col]  # an older Form A answer, read again: not the latest
    new = times[winner] if winner else None
    if new is not None and new.isoformat() != marker:
        out.markers[ref] = new.isoformat()


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None  # a hand-edited state cell: as if there were none


def _form_a_time(p: Placement, ref: str) -> datetime | None:
    """When the Form A response this run places in ``ref``'s Intended columns was sent."""
    wanted = p.ours.get(ref, {})
    for col in ("intended_destination", "intended_updated"):
        if col in wanted:
            rec = p.outcomes.get(wanted[col][1])
            if rec is not None and rec.submitted:
                return datetime.fromisoformat(rec.submitted)
    return None
