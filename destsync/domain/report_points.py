"""The report's tables for Year 11 leavers beyond their destinations: the September
Guarantee share (the students who had an offer of a place recorded), per cohort and
academy, with the same suppression of small numbers as every other table. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from destsync.domain.leaving import YEAR11, has_offer
from destsync.domain.report import OFFER_GROUPS, Table, by_cohort, filled_table


def guarantee_tables(rows_by_academy: Mapping[str, Iterable[Mapping[str, str]]],
                     years: Sequence[int] | None = None) -> list[Table]:
    """One table per Year 11 cohort with at least one offer recorded, newest first."""
    tables: list[Table] = []
    by_year = by_cohort(rows_by_academy, YEAR11)
    for year in sorted(by_year, reverse=True):
        cohort_rows = by_year[year]
        if (years is not None and year not in years) or not any(
                has_offer(r) for rows in cohort_rows.values() for r in rows):
            continue  # nothing recorded yet: no table of blanks
        tally = {code: Counter(OFFER_GROUPS[0] if has_offer(r) else OFFER_GROUPS[1]
                               for r in rows) for code, rows in cohort_rows.items()}
        tables.append(filled_table(Table(year, "offer", list(rows_by_academy), OFFER_GROUPS,
                                         point=YEAR11), tally, cohort_rows))
    return tables
