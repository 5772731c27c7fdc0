"""Who the termly check-in reminder goes to: the "current" audience (issue 16).

Students still at school: Year 12 and Year 13 (leaving in the summer after this academic
year, or the one after), and Year 11 leavers (leaving point ``year11``, leaving this
summer); the roster says who they are. ``campaigns`` applies the same contact rules as
to any student message (consent "Yes" on a wording on record, an email address, no "Do
not contact"). A check-in this term (an Intended response date on or after the window
opened) stops the reminder. Each term's reminder is its own campaign with one attempt,
so the ledger key ``checkin_<term>/<year>/<ref>/1`` makes it once per term.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from destsync.domain.calendar import AcademicCalendar
from destsync.domain.model import RosterEntry


def is_current(leaving_year: int, leaving_point: str, ay: int) -> bool:
    if leaving_point == "year11":
        return leaving_year == ay + 1
    return leaving_point == "year13" and leaving_year in (ay + 1, ay + 2)


def current_rows(roster: Sequence[RosterEntry], rows: Mapping[str, Mapping[str, str]],
                 cal: AcademicCalendar, start: date) -> Iterable[tuple[str, Mapping[str, str]]]:
    """(Ref, tracker row) of every student still at school when the window opens."""
    ay = cal.academic_year(start)
    for e in roster:
        if is_current(e.leaving_year, e.leaving_point, ay):
            yield e.ref, rows.get(e.ref, {})


def checked_in(row: Mapping[str, str], start: date) -> bool:
    return row.get("intended_updated", "") >= start.isoformat()
