"""The anonymised destinations report: counts by DfE destination-measure group, per cohort,
checkpoint and academy, with small numbers suppressed. Pure: rows in, tables out.

Publication rules (DOMAIN.md): a school's figures are withheld when its cohort has fewer
than 6 students, a count from 1 to 5 is shown as ``c``, and no name, date of birth or free
text is ever published. Suppressing a cell is not enough on its own: a table with its
totals lets a reader subtract the shown cells from the total, so a row or column with one
hidden cell gives it away. ``suppress`` therefore hides a second cell wherever only one
is hidden (complementary suppression) until no row or column has exactly one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from destsync.domain import sustained, vocab
from destsync.domain.la_export import current_activity
from destsync.domain.leaving import LABELS, YEAR13, point_of
from destsync.domain.model import GROUPS
from destsync.domain.validation import validation

SMALL = 6  # counts below this (and above 0) are withheld; so is a cohort below it
SUPPRESSED = "c"

# The DfE measure groups, in the order the DfE tables list them, then what is not known.
NOT_KNOWN = "Not known"  # blank, or NCCIS 810, 820 or 830
ACTIVITY_NOT_CAPTURED = "Activity not captured"
LOW = "low"  # DfE symbol: a positive share under 0.5%
NOT_YET_SUSTAINED = "Not yet known if sustained"  # a known destination, period not over
MEASURE_GROUPS: tuple[str, ...] = (
    "Sustained education: higher education",
    "Sustained education: further education",
    "Sustained education: other",
    "Sustained apprenticeship",
    "Sustained employment",
    "Not sustained",
    NOT_YET_SUSTAINED,
    ACTIVITY_NOT_CAPTURED,
    NOT_KNOWN,
)
# An intended destination is a plan: grouped by type, never called sustained.
INTENDED_GROUPS: tuple[str, ...] = (
    "Education: higher education",
    "Education: further education",
    "Education: other",
    "Apprenticeship",
    "Employment",
    "Gap year, voluntary work or NEET",
    ACTIVITY_NOT_CAPTURED,
    NOT_KNOWN,
)
SUSTAINED_GROUPS: tuple[str, ...] = MEASURE_GROUPS[:5]
NOT_APPLICABLE = "z"  # DfE symbol
# The September Guarantee table's rows (Year 11 leavers: an offer of a place recorded).
OFFER_RECORDED = "Offer of a place recorded"
OFFER_GROUPS: tuple[str, ...] = (OFFER_RECORDED, "No offer recorded")
ALL_GROUPS: tuple[str, ...] = (*MEASURE_GROUPS[:-2], *INTENDED_GROUPS, *OFFER_GROUPS)
_INTENDED_OF = dict(zip(MEASURE_GROUPS[:6], INTENDED_GROUPS[:6], strict=True))
_KIND_OF = {MEASURE_GROUPS[0]: sustained.EDUCATION, MEASURE_GROUPS[1]: sustained.EDUCATION,
            MEASURE_GROUPS[2]: sustained.EDUCATION, MEASURE_GROUPS[3]: sustained.APPRENTICESHIP,
            MEASURE_GROUPS[4]: sustained.EMPLOYMENT}
# "Destination known" (DOMAIN.md): nothing known never counts, nor does an activity the
# vocabulary does not capture. Every other group is a known destination.
NOT_KNOWN_GROUPS: tuple[str, ...] = (ACTIVITY_NOT_CAPTURED, NOT_KNOWN)
_NOT_KNOWN_LABELS = frozenset(
    vocab.NCCIS_LABELS[code].casefold() for code in vocab.NOT_KNOWN_CODES)
_NOT_KNOWN_CODES = frozenset(str(code) for code in vocab.NOT_KNOWN_CODES)
CHECKPOINT_LABELS: dict[str, str] = {
    "intended": "Intended destination",
    "actual": "Actual destination",
    "year1": "One year on",
    "year2": "Two years on",
    "year3": "Three years on",
    "offer": "September Guarantee",  # not a destination group: see report_points
}
TRUST = "Trust"
COHORT = "All leavers"  # the cohort total, a row of its own for suppression
KNOWN_ROW = "Destination known"  # derived: the cohort less NOT_KNOWN_GROUPS


def is_known(measure: str) -> bool:
    """Whether a measure group is a known destination."""
    return measure not in NOT_KNOWN_GROUPS


def groups_of(checkpoint: str) -> tuple[str, ...]:
    """The rows of a checkpoint's table."""
    return INTENDED_GROUPS if checkpoint == "intended" else MEASURE_GROUPS


def measured_year(checkpoint: str, leaving_year: int, start: str = "") -> int:
    """The August-to-July year a checkpoint's actual destination is measured in: the
    Actual checkpoint judges the first year after leaving, L, as the DfE does. The
    year-n check (in the summer of L + n) judges year L + n - 1, the one it asks about,
    or a later year if the activity it reports starts later (a new course in September:
    not yet known, rather than "not sustained" in a year it was no part of)."""
    if not checkpoint.startswith("year"):
        return leaving_year
    year = leaving_year + int(checkpoint[4:]) - 1
    try:
        began = date.fromisoformat(start.strip()[:10])
    except ValueError:
        return year
    return max(year, began.year if began.month >= 8 else began.year - 1)


def verdict(row: Mapping[str, str], checkpoint: str,
            today: date | None) -> sustained.Verdict | None:
    """Sustained, not sustained or not yet known, for an actual destination of a type
    that can be sustained; None for an intended one, or any other."""
    kind = _KIND_OF.get(type_group(row, checkpoint))
    leaving = row.get("leaving_year", "").strip()
    if checkpoint == "intended" or kind is None or not leaving.isdigit():
        return None
    start = row.get(f"{checkpoint}_start_date", "")
    seen = still_there_evidence(row, checkpoint)
    return sustained.judge(kind, start, row.get(f"{checkpoint}_duration", ""),
                           measured_year(checkpoint, int(leaving), start), today,
                           seen[0] if seen else None, seen[1] if seen else "")


def still_there(row: Mapping[str, str], checkpoint: str) -> date | None:
    seen = still_there_evidence(row, checkpoint)
    return seen[0] if seen else None


def still_there_evidence(row: Mapping[str, str], checkpoint: str) -> tuple[date, str] | None:
    """The latest date the leaver was known to be still in this checkpoint's activity,
    and what says so: a later checkpoint's answer naming the same kind of destination
    with the same (or no) start date; for the Actual checkpoint, its validation (who and
    how, on the date validated: the 31 March return, or the local authority's data); and
    a person's "Still in activity on" date, for the leaver's current activity."""
    keys = [g for g, _ in GROUPS]
    start = row.get(f"{checkpoint}_start_date", "").strip()[:10]
    found: list[tuple[date, str]] = []
    for later in keys[keys.index(checkpoint) + 1:]:
        later_start = row.get(f"{later}_start_date", "").strip()[:10]
        if type_group(row, later) != type_group(row, checkpoint) or (
                later_start and later_start != start):
            continue
        found += _day(row.get(f"{later}_updated", ""),
                      f"the {CHECKPOINT_LABELS[later].lower()} answer")
    check = validation(row)
    if checkpoint == "actual" and check.ok:
        found += _day(row.get("validated_on", ""), f"validated by {check.evidence}")
    if current_activity(row) == checkpoint:
        found += _day(row.get("still_there_on", ""), "confirmed by staff")
    return max(found, default=None)


def _day(text: str, source: str) -> list[tuple[date, str]]:
    try:
        return [(date.fromisoformat(text.strip()[:10]), source)]
    except ValueError:
        return []


def measure_group(row: Mapping[str, str], group: str, today: date | None = None) -> str:
    """The group one student's destination falls in at one checkpoint: by type for the
    intended destination; for an actual one, the DfE group if it was sustained, else
    "Not sustained" or, while the evidence is not all in, NOT_YET_SUSTAINED."""
    by_type = type_group(row, group)
    if group == "intended":
        return kind_group(row, group)
    v = verdict(row, group, today)
    if v is None or v.status == sustained.SUSTAINED:
        return by_type
    return "Not sustained" if v.status == sustained.NOT_SUSTAINED else NOT_YET_SUSTAINED


def can_be_sustained(by_type: str) -> bool:
    """Whether a destination of this DfE group is judged sustained (else it counts as is)."""
    return by_type in _KIND_OF


def kind_group(row: Mapping[str, str], group: str) -> str:
    """The destination's type at one checkpoint as the intended table groups it
    ("Education: higher education", ...), for any checkpoint: never "sustained"."""
    by_type = type_group(row, group)
    return _INTENDED_OF.get(by_type, by_type)


def type_group(row: Mapping[str, str], group: str) -> str:
    """The DfE group of the destination's type at one checkpoint. A label a person
    typed that names a destination type wins over the code beside it; a not-known code
    (810, 820, 830) or its label is not known; any other label still counts, as activity
    not captured (which is not a known destination either)."""
    label = row.get(f"{group}_destination", "").strip()
    if not label:
        return NOT_KNOWN
    dest = vocab.parse_destination(label)
    if dest is not None:
        return dest.dfe_group
    if (row.get(f"{group}_nccis", "").strip() in _NOT_KNOWN_CODES
            or label.casefold() in _NOT_KNOWN_LABELS):
        return NOT_KNOWN
    return ACTIVITY_NOT_CAPTURED


@dataclass(frozen=True)
class Cell:
    count: int
    shown: bool

    def text(self) -> str:
        return str(self.count) if self.shown else SUPPRESSED

    def percent(self, cohort: Cell) -> str:
        if not self.shown or not cohort.shown or cohort.count == 0:
            return SUPPRESSED if not self.shown or not cohort.shown else ""
        share = 100 * self.count / cohort.count
        return LOW if 0 < share < 0.5 else f"{round(share)}%"


@dataclass
class Table:
    """One cohort at one checkpoint: measure group x (academies..., Trust)."""

    leaving_year: int
    checkpoint: str
    columns: list[str]
    groups: tuple[str, ...] = MEASURE_GROUPS
    cohort: dict[str, Cell] = field(default_factory=dict)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)  # (group, column)
    point: str = YEAR13  # the leaving point whose cohort it counts

    @property
    def label(self) -> str:
        who = "leavers" if self.point == YEAR13 else f"{LABELS[self.point]} leavers"
        return f"{CHECKPOINT_LABELS[self.checkpoint]}: {who} of {self.leaving_year}"

    @property
    def is_offer(self) -> bool:
        """The September Guarantee table: offers, not destinations (no known row)."""
        return self.checkpoint == "offer"

    def known(self, column: str) -> Cell:
        """Leavers whose destination is known (see NOT_KNOWN_GROUPS): the cohort less the
        not-known groups, so shown only when each of those is, or it would give a hidden
        count away; and, like any count, never from 1 to 5."""
        unknown = [self.cells[(g, column)] for g in NOT_KNOWN_GROUPS]
        cohort = self.cohort[column]
        n = cohort.count - sum(c.count for c in unknown)
        return Cell(n, cohort.shown and all(c.shown for c in unknown) and not 0 < n < SMALL)

    def known_share(self, column: str) -> str:
        """The known leavers as a share of the cohort, or c."""
        return self.known(column).percent(self.cohort[column])

    def sustained(self, column: str) -> Cell | None:
        """Leavers in a sustained group (None for the intended checkpoint, which has
        none): shown only when each of those cells is, and never from 1 to 5."""
        if self.checkpoint in ("intended", "offer"):
            return None
        cells = [self.cells[(g, column)] for g in SUSTAINED_GROUPS]
        n = sum(c.count for c in cells)
        return Cell(n, self.cohort[column].shown and all(c.shown for c in cells)
                    and not 0 < n < SMALL)

    def sustained_share(self, column: str) -> str:
        """The sustained leavers as a share of the cohort, c, or z (not applicable)."""
        cell = self.sustained(column)
        return NOT_APPLICABLE if cell is None else cell.percent(self.cohort[column])


def year_on_year(tables: Sequence[Table]) -> list[tuple[str, dict[int, Table]]]:
    """For each checkpoint, its table per leaving year, so the report can set the same
    figures side by side. Checkpoints in the tracker's order, years oldest first."""
    by_cp: dict[str, dict[int, Table]] = {}
    for t in tables:
        by_cp.setdefault(t.checkpoint, {})[t.leaving_year] = t
    order = [g for g, _ in GROUPS]
    return [(cp, dict(sorted(by_cp[cp].items()))) for cp in sorted(by_cp, key=order.index)]


def suppress(counts: Mapping[tuple[str, str], int], cohorts: Mapping[str, int],
             academies: Sequence[str]) -> tuple[dict[tuple[str, str], bool], dict[str, bool]]:
    """Which cells and cohort totals may be shown. The last column is the trust total,
    the sum of the academies; every column's cells sum to its cohort.

    Each of those sums is a constraint a reader can solve. A constraint with exactly one
    hidden entry gives that entry away, so another is hidden in it, the smallest (it
    gives away least), until no constraint has exactly one."""
    columns = [*academies, TRUST]
    groups = sorted({g for g, _ in counts}, key=ALL_GROUPS.index)
    value: dict[tuple[str, str], int] = dict(counts)
    value.update({(COHORT, c): n for c, n in cohorts.items()})
    hidden = {k for k, n in counts.items() if 0 < n < SMALL}
    for c in columns:
        if cohorts[c] < SMALL:  # a small school's figures are withheld whole
            hidden |= {(g, c) for g in (*groups, COHORT)}
    constraints = [[(g, c) for g in (*groups, COHORT)] for c in columns]
    if len(academies) > 1:
        constraints += [[(g, c) for c in columns] for g in (*groups, COHORT)]
    else:
        # One academy: the trust column is the same numbers, so each pair hides together.
        constraints += [[(g, academies[0]), (g, TRUST)] for g in (*groups, COHORT)]
    changed = True
    while changed:
        changed = False
        for cells in constraints:
            if sum(k in hidden for k in cells) == 1:
                options = sorted(
                    (value[k] == 0, value[k], k) for k in cells if k not in hidden)
                hidden.add(options[0][2])
                changed = True
    shown = {k: k not in hidden for k in counts}
    return shown, {c: (COHORT, c) not in hidden for c in columns}


def build_tables(rows_by_academy: Mapping[str, Iterable[Mapping[str, str]]],
                 years: Sequence[int] | None = None,
                 today: date | None = None, point: str = YEAR13) -> list[Table]:
    """Every (cohort, checkpoint) with at least one destination recorded, newest first,
    for the leavers of one leaving point (Year 13 unless told).
    ``today`` decides which sustained periods are over (None: all of them)."""
    academies = list(rows_by_academy)
    by_year = by_cohort(rows_by_academy, point)
    tables: list[Table] = []
    for year in sorted(by_year, reverse=True):
        if years is not None and year not in years:
            continue
        cohort_rows = by_year[year]
        for group, _ in GROUPS:
            # Each row classified once (a typed label may need a fuzzy match).
            tally = {code: Counter(measure_group(r, group, today) for r in cohort_rows[code])
                     for code in academies}
            if not any(r.get(f"{group}_destination", "").strip()
                       for rows in cohort_rows.values() for r in rows):
                continue  # nothing recorded yet at this checkpoint: no table of blanks
            tables.append(filled_table(Table(year, group, academies, groups_of(group),
                                             point=point), tally, cohort_rows))
    return tables


def by_cohort(rows_by_academy: Mapping[str, Iterable[Mapping[str, str]]],
              point: str) -> dict[int, dict[str, list[Mapping[str, str]]]]:
    """One leaving point's rows: leaving year -> academy -> rows."""
    academies = list(rows_by_academy)
    by_year: dict[int, dict[str, list[Mapping[str, str]]]] = {}
    for code, rows in rows_by_academy.items():
        for row in rows:
            y = row.get("leaving_year", "").strip()
            if y.isdigit() and point_of(row) == point:
                by_year.setdefault(int(y), {a: [] for a in academies})[code].append(row)
    return by_year


def filled_table(t: Table, tally: Mapping[str, Counter[str]],
                 cohort_rows: Mapping[str, Sequence[Mapping[str, str]]]) -> Table:
    """``t`` (its columns the academies) with its counts from ``tally`` (academy -> group
    -> count), the trust total, and the suppression of small numbers."""
    academies = list(t.columns)
    counts: dict[tuple[str, str], int] = {}
    for g in t.groups:
        for code in academies:
            counts[(g, code)] = tally[code][g]
        counts[(g, TRUST)] = sum(counts[(g, code)] for code in academies)
    cohorts = {code: len(cohort_rows[code]) for code in academies}
    cohorts[TRUST] = sum(cohorts.values())
    shown, cohort_shown = suppress(counts, cohorts, academies)
    # A one-school trust's total is that school: one column says it once.
    t.columns = [*academies, TRUST] if len(academies) > 1 else academies
    t.cohort = {c: Cell(n, cohort_shown[c]) for c, n in cohorts.items()}
    t.cells = {k: Cell(n, shown[k]) for k, n in counts.items()}
    return t
