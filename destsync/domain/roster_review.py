"""A bad roster row is a Review item, not a stopped school.

The MIS export is typed by people: one date of birth of 31/02/2008 used to stop every sync
of the academy. Now that row is loaded without the date (or left out, when its leaving
year cannot be read) and Review says which line to fix; the rest of the roster loads.
Nothing from the row's cells is quoted: the date of birth is personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from destsync.domain.plan import Plan, ReviewItem

ROSTER_KIND = "Roster problem"


@dataclass(frozen=True)
class RosterProblem:
    ref: str
    where: str  # "roster roster.csv line 14"
    what: str  # what is wrong and what became of the row


def roster_problem(where: str, line: int, ref: str, bad_dob: bool,
                   bad_year: bool) -> RosterProblem:
    parts = [p for p, bad in (("date of birth", bad_dob), ("leaving year", bad_year)) if bad]
    what = f"the {' and the '.join(parts)} cannot be read; " + (
        "the student was left out of this sync" if bad_year
        else "the student was loaded without a date of birth")
    return RosterProblem(ref, f"{where} line {line}", what)


def add_roster_problems(plan: Plan, problems: Iterable[RosterProblem],
                        raised: set[str]) -> None:
    """Review items for ``problems``, each raised once (``raised``: keys on the tab)."""
    for p in problems:
        key = f"{ROSTER_KIND}|{p.ref}|{p.what}"
        if key in raised or any(i.key == key for i in plan.review):
            continue
        plan.review.append(ReviewItem(
            key, ROSTER_KIND, p.ref, "", "", "roster", "", "",
            f"{p.where}: {p.what}. Fix the row in the MIS export (dates as DD/MM/YYYY or "
            "YYYY-MM-DD, leaving year as four digits) and sync again."))
