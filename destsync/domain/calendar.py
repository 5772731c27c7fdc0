"""The academic calendar: terms, trust deadlines, checkpoints and which destination group a
response on a given date belongs to.

A cohort is named by its leaving year L and its leaving point: students who leave Year 13
(or Year 11) in the summer of L, or who left during the academic year that ends in L.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Checkpoint:
    """A trust return frozen at a deadline. ``group`` names the columns it reads."""

    key: str
    label: str
    group: str
    deadline: str  # "autumn_week2" or "MM-DD"
    years_after: int  # deadline falls in year L + years_after
    needs_validation: bool = False
    point: str = "year13"  # the leaving point whose cohorts it freezes (LEAVING_POINTS)
    # Reads the September Guarantee record (who offered a place, and when) beside the
    # group's destination: a student without an offer recorded has none.
    offer: bool = False


DEFAULT_CHECKPOINTS: tuple[Checkpoint, ...] = (
    Checkpoint("intended", "Intended destination", "intended", "autumn_week2", 0),
    Checkpoint("actual_unvalidated", "Actual destination (unvalidated)", "actual", "12-31", 0),
    Checkpoint("actual_validated", "Actual destination (validated)", "actual", "03-31", 1, True),
    Checkpoint("sustained_1", "Sustained check, year 1", "year1", "08-31", 1),
    # Year 11 (DOMAIN.md): an offer of a place by the end of the September after the year
    # ends, and the local authority's activity survey as it reads on 1 November.
    Checkpoint("y11_september_guarantee", "Year 11: September Guarantee offer", "intended",
               "09-30", 0, point="year11", offer=True),
    Checkpoint("y11_activity", "Year 11: activity on 1 November", "actual", "11-01", 0,
               point="year11"),
    # A mid-year leaver: where they went, one return row each (with the day they left),
    # at the end of the academic year they left in.
    Checkpoint("midyear_destination", "Mid-year leavers: where they went", "actual", "08-31",
               0, point="midyear"),
)


@dataclass(frozen=True)
class AcademicCalendar:
    """Term dates. ``autumn_starts`` overrides the rule for named years."""

    autumn_starts: dict[int, date]

    def autumn_term_start(self, year: int) -> date:
        if year in self.autumn_starts:
            return self.autumn_starts[year]
        # Rule when a school gives no date: the first weekday on or after 1 September.
        d = date(year, 9, 1)
        while d.weekday() >= 5:
            d += timedelta(days=1)
        return d

    def autumn_week2_end(self, year: int) -> date:
        """Friday of the week after the week in which the autumn term starts."""
        start = self.autumn_term_start(year)
        monday = start - timedelta(days=start.weekday())
        return monday + timedelta(days=7 + 4)

    def deadline(self, cp: Checkpoint, leaving_year: int) -> date:
        year = leaving_year + cp.years_after
        if cp.deadline == "autumn_week2":
            return self.autumn_week2_end(year)
        month, day = (int(p) for p in cp.deadline.split("-"))
        return date(year, month, day)

    def group_for(self, leaving_year: int, submitted: date, left_on: str = "") -> str | None:
        """Which destination group a response submitted on ``submitted`` speaks for.

        Before the intended deadline it is the plan; until the end of March it is the
        actual destination; each following April-to-March year is a sustained check.
        None after the three-year tracking period. A mid-year leaver (``left_on``, ISO)
        answering after the day they left says what they do: the actual destination.
        """
        if submitted <= self.autumn_week2_end(leaving_year):
            return "actual" if left_on and left_on[:10] <= submitted.isoformat() else "intended"
        if submitted <= date(leaving_year + 1, 3, 31):
            return "actual"
        for n in (1, 2, 3):
            if submitted <= date(leaving_year + n + 1, 3, 31):
                return f"year{n}"
        return None

    def tracking_ends(self, leaving_year: int) -> date:
        """The last day a response still counts (the end of the year-3 check)."""
        return date(leaving_year + 4, 3, 31)

    def academic_year(self, d: date) -> int:
        """The calendar year in which the academic year containing ``d`` starts."""
        return d.year if d >= self.autumn_term_start(d.year) else d.year - 1


def results_day(year: int) -> date:
    """A level results day: the first Thursday on or after 13 August (2023 to 2026 fit)."""
    d = date(year, 8, 13)
    while d.weekday() != 3:
        d += timedelta(days=1)
    return d


def next_deadline(
    cal: AcademicCalendar, checkpoints: tuple[Checkpoint, ...], today: date,
    cohorts: set[int] | set[tuple[str, int]],
) -> tuple[Checkpoint, int, date] | None:
    """The soonest deadline on or after today, over the cohorts in the tracker: (leaving
    point, leaving year) pairs, or leaving years alone for Year 13."""
    best: tuple[Checkpoint, int, date] | None = None
    pairs = {c if isinstance(c, tuple) else ("year13", c) for c in cohorts}
    for cp in checkpoints:
        for point, year in pairs:
            if point != cp.point:
                continue
            d = cal.deadline(cp, year)
            if d >= today and (best is None or d < best[2]):
                best = (cp, year, d)
    return best
