"""What the next retention purges will erase, and when: for `sync --dry-run`.

Per cohort (leaving year), the day after its tracking period and grace end, every
contact detail on its rows goes (``erasure.RETENTION_KEYS``). Counts and Refs only: the
listing may reach a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from destsync.domain.calendar import AcademicCalendar
from destsync.domain.erasure import RETENTION_KEYS
from destsync.domain.model import header_of


def purge_day(leaving_year: int, calendar: AcademicCalendar, grace_days: int) -> date:
    """The first day on which ``erasure.retention_over`` holds for the cohort."""
    return calendar.tracking_ends(leaving_year) + timedelta(days=grace_days + 1)


def upcoming(rows: Mapping[str, Mapping[str, str]], calendar: AcademicCalendar,
             grace_days: int, today: date) -> list[str]:
    """One line per cohort still holding contact details, soonest purge first."""
    holding: dict[int, list[str]] = {}
    for ref, row in rows.items():
        text = row.get("leaving_year", "")
        if text.isdigit() and any(row.get(k, "").strip() for k in RETENTION_KEYS):
            holding.setdefault(int(text), []).append(ref)
    cols = ", ".join(header_of(k) for k in RETENTION_KEYS)
    out = []
    for year in sorted(holding):
        day = purge_day(year, calendar, grace_days)
        when = "at the next sync" if day <= today else f"on {day.isoformat()}"
        refs = sorted(holding[year])
        out.append(f"  retention: leavers of {year}: {cols} erased {when} "
                   f"from {len(refs)} rows: {', '.join(refs)}")
    return out
