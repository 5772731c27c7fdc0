"""The weekly staff digest's content, computed from the tracker after this run: pure.

It names refs and counts, never names or contact details: a digest is an email, and email
gets forwarded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from destsync.domain.calendar import AcademicCalendar, Checkpoint, next_deadline
from destsync.domain.campaigns import parse_key
from destsync.domain.interventions import (
    ACTIONS,
    NEET_CODES,
    SupportDates,
    interventions,
    sections,
)
from destsync.domain.leaving import cohorts, has_offer
from destsync.domain.ledger_time import at_or_after
from destsync.domain.mailback import bounced_refs
from destsync.domain.model import GROUPS, LedgerEntry
from destsync.domain.report import is_known, type_group
from destsync.domain.validation import validation

MAX_LISTED = 50

def build_digest(
    rows: Mapping[str, Mapping[str, str]],
    ledger: Mapping[str, LedgerEntry],
    cal: AcademicCalendar,
    checkpoints: tuple[Checkpoint, ...],
    now: datetime,
    review_total: int,
    review_new: int,
    due: int,
    deferred: Iterable[str],
    short: Iterable[str] = (),
    applications: Mapping[str, Mapping[str, str]] | None = None,
    dates: SupportDates | None = None,
    before: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """``applications`` is the Applications tab (``TrackerSnapshot.applications``),
    ``dates`` the trust's intervention dates and ``before`` the rows as this run read
    them (a plan changed in this run): together they give the support sections."""
    today = now.date()
    by_point = cohorts(rows)
    nxt = next_deadline(cal, checkpoints, today, set(by_point))
    deadline: dict[str, Any] | None = None
    if nxt is not None:
        cp, year, when = nxt
        cohort = [rows[ref] for ref in by_point.get((cp.point, year), [])]
        missing = sum(1 for r in cohort if (not has_offer(r) if cp.offer else (
            not known_destination(r, cp.group)
            or (cp.needs_validation and not validation(r).ok))))
        deadline = {"label": cp.label, "leaving_year": year, "date": when.isoformat(),
                    "missing": missing, "rows": len(cohort)}
    no_dest: list[str] = []
    neet: list[str] = []
    undecided: list[str] = []
    for ref in sorted(rows):
        row = rows[ref]
        text = row.get("leaving_year", "")
        if not text.isdigit():
            continue
        leaving, left_on = int(text), row.get("left_on", "")
        # A mid-year leaver has left on the day they left, not at the end of the year.
        left = today > cal.autumn_week2_end(leaving) or bool(
            left_on and left_on[:10] <= today.isoformat())
        group = cal.group_for(leaving, today, left_on)
        if not left:
            if not known_destination(row, "intended") and leaving <= cal.academic_year(today) + 1:
                undecided.append(ref)
            elif _code(row, "intended") in NEET_CODES:
                neet.append(ref)
            continue
        if group is None:
            continue  # past the three-year tracking period
        latest = _latest(row, group)
        if latest is None:
            no_dest.append(ref)
        elif _code(row, latest) in NEET_CODES:
            neet.append(ref)
    week_ago = now - timedelta(days=7)
    unvalidated = awaiting_validation(rows, cal, checkpoints, today)
    sent: Counter[str] = Counter()
    for e in ledger.values():
        if e.state == "sent" and at_or_after(e.at, week_ago):
            sent[_campaign(e.key)] += 1
    return {
        "next_deadline": deadline,
        "no_destination": _cut(no_dest),
        "neet_risk": _cut(neet),
        "undecided": _cut(undecided),
        "unvalidated": _cut(unvalidated),
        "bounced": _cut(bounced_refs(ledger)),
        # Attempts the window cannot hold: staff may phone, or widen the window.
        "short": _cut(sorted(short)),
        # Per year group: who needs which intervention now (``domain.interventions``).
        "support": sections(interventions(rows, applications or {}, cal,
                                          dates or SupportDates(), today, before),
                            MAX_LISTED),
        "review_total": review_total,
        "review_new": review_new,
        "sent": dict(sorted(sent.items())),
        "due": due,
        "deferred": dict(sorted(Counter(deferred).items())),
    }


def awaiting_validation(rows: Mapping[str, Mapping[str, str]], cal: AcademicCalendar,
                        checkpoints: tuple[Checkpoint, ...], today: date) -> list[str]:
    """Refs whose known actual destination a return still to come (31 March by
    default) needs validated, and that lack the evidence (who, how, when)."""
    out = []
    for ref in sorted(rows):
        row = rows[ref]
        year = row.get("leaving_year", "")
        if not year.isdigit():
            continue
        due = [cp for cp in checkpoints if cp.needs_validation
               and cal.autumn_week2_end(int(year)) < today <= cal.deadline(cp, int(year))]
        if any(known_destination(row, cp.group) for cp in due) and not validation(row).ok:
            out.append(ref)
    return out


def known_destination(row: Mapping[str, str], group: str) -> bool:
    """As the report counts it: not blank, no not-known code, and an activity the
    vocabulary captures (a label it cannot place is still something staff must check)."""
    return is_known(type_group(row, group))


def _code(row: Mapping[str, str], group: str) -> int:
    text = row.get(f"{group}_nccis", "")
    return int(text) if text.isdigit() else 0


def _latest(row: Mapping[str, str], current: str) -> str | None:
    """The most recent group with a known destination, up to the current one."""
    keys = [g for g, _ in GROUPS]
    for g in reversed(keys[: keys.index(current) + 1]):
        if known_destination(row, g):
            return g
    return None


def _campaign(key: str) -> str:
    try:
        return parse_key(key)[0]
    except ValueError:
        return "other"


def _cut(refs: list[str]) -> list[str]:
    if len(refs) <= MAX_LISTED:
        return refs
    return [*refs[:MAX_LISTED], f"and {len(refs) - MAX_LISTED} more"]


def sample_digest() -> dict[str, Any]:
    """Invented content for checking and previewing the digest template."""
    return {
        "next_deadline": {"label": "Actual destination (unvalidated)", "leaving_year": 2026,
                          "date": "2026-12-31", "missing": 4, "rows": 120},
        "no_destination": ["OAK-0007", "OAK-0012"],
        "neet_risk": ["OAK-0031"],
        "undecided": [],
        "unvalidated": ["OAK-0044"],
        "bounced": ["OAK-0019"],
        "short": ["annual_survey OAK-0023 (2 left)"],
        "support": [
            {"group": "Year 12", "items": [
                {"kind": "no_intention", "label": ACTIONS["no_intention"][0],
                 "action": ACTIONS["no_intention"][1], "count": 2,
                 "refs": ["OAK-0101", "OAK-0117"]}]},
            {"group": "Year 13", "items": [
                {"kind": "plan_changed", "label": ACTIONS["plan_changed"][0],
                 "action": ACTIONS["plan_changed"][1], "count": 1, "refs": ["OAK-0052"]},
                {"kind": "no_application", "label": ACTIONS["no_application"][0],
                 "action": ACTIONS["no_application"][1], "count": 1, "refs": ["OAK-0060"]}]},
        ],
        "review_total": 6,
        "review_new": 2,
        "sent": {"annual_survey": 40, "form_b": 118},
        "due": 12,
        "deferred": {"form_b": 3},
    }
