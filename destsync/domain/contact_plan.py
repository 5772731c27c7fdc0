"""The contact plan's rules as data: campaigns, their audiences and windows.

The config file spells these out (``config.mail`` parses them); the planner in
``campaigns`` decides with them, so they belong to the domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from destsync.domain.calendar import results_day

# Who a campaign writes to ("current": students still at school, the check-in reminder).
# The audience decides which rows qualify, which tracker columns
# count as "a response for this checkpoint" and how a cycle is named (see campaigns.py).
AUDIENCES = ("alumni", "leavers", "parents", "staff", "current")
_ANCHOR = re.compile(r"^(?:(\d\d)-(\d\d)|results_day(?:([+-])(\d{1,3}))?)$")


@dataclass(frozen=True)
class Window:
    """When attempts may go out, as anchors resolved per year: "MM-DD" or results_day±N."""

    start: str
    end: str

    def dates(self, year: int) -> tuple[date, date]:
        return resolve_anchor(self.start, year), resolve_anchor(self.end, year)


@dataclass(frozen=True)
class Campaign:
    key: str
    audience: str
    window: Window
    attempts: int
    spacing_days: tuple[int, ...]
    grace_days: int
    template: str
    subject: str
    priority: int  # lower goes first when the daily cap bites
    years: tuple[int, ...] = ()  # alumni only: which years after leaving


DEFAULT_CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        "annual_survey", "alumni", Window("05-01", "07-20"), 3, (0, 14, 35), 21, "followup",
        "{{ school.name }}: where are you now? (two minutes)", 20, (1, 2, 3),
    ),
    Campaign(
        "autumn_check", "leavers", Window("results_day+7", "results_day+70"), 3, (0, 14, 35),
        21, "followup", "{{ school.name }}: how did results day go?", 10,
    ),
    Campaign(
        "form_b", "parents", Window("04-20", "07-15"), 1, (0,), 0, "form_b",
        "{{ school.name }}: where our students go next", 30,
    ),
    Campaign(
        "staff_digest", "staff", Window("01-01", "12-31"), 1, (0,), 0, "digest",
        "destsync weekly digest: {{ school.name }}", 0,
    ),
)


def resolve_anchor(anchor: str, year: int) -> date:
    m = _ANCHOR.match(anchor)
    if m is None:
        raise ValueError(anchor)
    if m.group(1):
        return date(year, int(m.group(1)), int(m.group(2)))
    offset = int(m.group(4) or 0) * (-1 if m.group(3) == "-" else 1)
    return results_day(year) + timedelta(days=offset)
