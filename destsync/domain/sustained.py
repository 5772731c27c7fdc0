"""Sustained destinations as the DfE defines them (DOMAIN.md), from the evidence a
checkpoint holds: its start date and expected duration. Pure: values in, a verdict out.

Only *actual* destinations (the Actual checkpoint and the yearly follow-ups) are ever
sustained; an intended destination is a plan and is never judged here.

- Education: every month of the first two terms, October to March.
- Employment: 5 of the 6 months October to March.
- An apprenticeship: any 6 months in the year August to July.

A month counts when the activity covers any day of it. The activity runs from its start
date for its expected duration in months, or up to a later date on which a follow-up
answer found the leaver still in it. Until the measured period is over, or without a
start date and either of those, the verdict is "Not yet known": the report never guesses.
A combination of activities (DfE's fourth route) needs more than one activity per
checkpoint, which the tracker does not hold yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SUSTAINED = "Sustained"
NOT_SUSTAINED = "Not sustained"
NOT_YET_KNOWN = "Not yet known"

EDUCATION, EMPLOYMENT, APPRENTICESHIP = "education", "employment", "apprenticeship"


@dataclass(frozen=True)
class Verdict:
    status: str  # SUSTAINED | NOT_SUSTAINED | NOT_YET_KNOWN
    evidence: str  # why, in words a data officer can check against the tracker


def add_months(d: date, months: int) -> date:
    """``d`` moved on by whole months (the day clamped to the month's length)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = _month_length(year, month)
    return date(year, month, min(d.day, last))


def _month_length(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - date(year, month, 1)).days


def months_in(first: date, count: int) -> list[tuple[int, int]]:
    """``count`` calendar months as (year, month), from ``first``'s month."""
    return [(add_months(first.replace(day=1), i).year, add_months(first.replace(day=1), i).month)
            for i in range(count)]


def months_covered(start: date, end: date, months: list[tuple[int, int]]) -> int:
    """How many of ``months`` the activity [start, end) touches on at least one day."""
    n = 0
    for year, month in months:
        first = date(year, month, 1)
        after = add_months(first, 1)
        if start < after and end > first:
            n += 1
    return n


def education_sustained(start: date, end: date, year: int) -> bool:
    """All six months October ``year`` to March ``year + 1``."""
    return months_covered(start, end, months_in(date(year, 10, 1), 6)) == 6


def employment_sustained(start: date, end: date, year: int) -> bool:
    """At least five of the six months October ``year`` to March ``year + 1``."""
    return months_covered(start, end, months_in(date(year, 10, 1), 6)) >= 5


def apprenticeship_sustained(start: date, end: date, year: int) -> bool:
    """At least six of the twelve months August ``year`` to July ``year + 1``."""
    return months_covered(start, end, months_in(date(year, 8, 1), 12)) >= 6


RULES = {
    EDUCATION: (education_sustained, 3, "all of October to March"),
    EMPLOYMENT: (employment_sustained, 3, "5 of the 6 months October to March"),
    APPRENTICESHIP: (apprenticeship_sustained, 7, "6 months in August to July"),
}


def period_end(kind: str, year: int) -> date:
    """The last day of the period a kind of activity is measured over."""
    return date(year + 1, 3, 31) if RULES[kind][1] == 3 else date(year + 1, 7, 31)


def judge(kind: str, start_text: str, duration_text: str, year: int,
          today: date | None, still_there: date | None = None,
          still_source: str = "") -> Verdict:
    """The verdict on one actual destination measured in the year from August ``year``.
    ``today`` None judges as if the period were over (for tests and back-dated reports).
    ``still_there`` is a later date on which the leaver was confirmed in the same
    activity (a follow-up answer, a validation, a person's confirmation, named by
    ``still_source``): it stands in for, or extends, the expected duration."""
    rule, _, words = RULES[kind]
    try:
        start = date.fromisoformat(start_text.strip()[:10])
    except ValueError:
        return Verdict(NOT_YET_KNOWN, "no start date")
    duration = duration_text.strip()
    if not duration.isdigit() and (still_there is None or still_there < start):
        return Verdict(NOT_YET_KNOWN, "no expected duration")
    if today is not None and today <= period_end(kind, year):
        return Verdict(NOT_YET_KNOWN, f"the period ({words}) is not over until "
                       f"{period_end(kind, year).isoformat()}")
    end = add_months(start, int(duration)) if duration.isdigit() else start
    span = f"from {start.isoformat()} for {int(duration)} months" if duration.isdigit() \
        else f"from {start.isoformat()}"
    if still_there is not None and still_there >= end:
        end = date.fromordinal(still_there.toordinal() + 1)
        span += f", still there on {still_there.isoformat()}"
        span += f" ({still_source})" if still_source else ""
    if rule(start, end, year):
        return Verdict(SUSTAINED, f"{span}: {words}")
    return Verdict(NOT_SUSTAINED, f"{span}: short of {words}")
