"""Builders for test data: invented students and Form A answers at example.org."""

from __future__ import annotations

from datetime import UTC, datetime

from destsync.domain.calendar import DEFAULT_CHECKPOINTS, AcademicCalendar
from destsync.domain.context import PlanContext
from destsync.domain.model import RawResponse, RosterEntry

CTX = PlanContext("OAK", AcademicCalendar({}), DEFAULT_CHECKPOINTS)


def student(n: int = 1, leaving_year: int = 2026, **kw: object) -> RosterEntry:
    base: dict[str, object] = dict(
        ref=f"OAK-{1000 + n}",
        forename=f"Testname{chr(64 + n % 26 + 1)}",
        surname="Example",
        dob=f"2008-0{1 + n % 9}-1{n % 9}",
        leaving_year=leaving_year,
        parent_email=f"parent{n}@example.org",
    )
    base.update(kw)
    return RosterEntry(**base)  # type: ignore[arg-type]


def answers(s: RosterEntry | None = None, **kw: str) -> dict[str, str]:
    a = {
        "reference": s.ref if s else "",
        "name": f"{s.forename} {s.surname}" if s else "Robin Newcombe",
        "dob": s.dob if s else "2008-03-03",
        "leaving_year": str(s.leaving_year) if s else "2026",
        "email": f"{s.forename.lower()}@example.org" if s else "robin@example.org",
        "phone": "07700 900123",
        "destination": "University",
        "course": "BSc Physics",
        "level": "degree",
        "provider": "University of Example",
        "start_date": "2026-09-21",
        "duration": "3 years",
        "consent": "Yes",
    }
    a.update(kw)
    return a


def response(rid: str, when: datetime, s: RosterEntry | None = None, **kw: str) -> RawResponse:
    return RawResponse(rid, when, answers(s, **kw), f"test {rid}")


def at(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=UTC)
