"""Contact erasure: on refusal or withdrawal of consent, and when retention ends.

The one exception to "a person's edit stands": when a student refuses or withdraws
consent, their contact details go, whoever typed them, because the law says so; and once
a cohort's tracking period and its grace are over, every way to reach the student or their
family goes (DOMAIN.md, retention), while the anonymisable rest of the row stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from destsync.domain.answers import CONTACT_KEYS
from destsync.domain.calendar import AcademicCalendar
from destsync.domain.masking import shown_contact
from destsync.domain.plan import CellChange, LogEntry, Plan

RETENTION_KEYS = (*CONTACT_KEYS, "parent_email")


def retention_over(leaving_year: int | None, calendar: AcademicCalendar, grace_days: int,
                   today: date) -> bool:
    if leaving_year is None:
        return False
    return today > calendar.tracking_ends(leaving_year) + timedelta(days=grace_days)


def erased_keys(ref: str, erase: set[str], expired: set[str]) -> tuple[str, ...]:
    """The columns that must be empty on ``ref``'s row after this run."""
    if ref in expired:
        return RETENTION_KEYS
    return CONTACT_KEYS if ref in erase else ()


def erase_rows(refs: list[str], expired: set[str], erase: set[str],
               rows: Mapping[str, Mapping[str, str]], base: Mapping[tuple[str, str], str],
               plan: Plan) -> None:
    """Empty the erased columns of existing rows; the log keeps no trace of the value."""
    for ref in refs:
        source, note = (
            ("retention", "erased: tracking period over") if ref in expired
            else ("consent", "erased: no consent")
        )
        for col in erased_keys(ref, erase, expired):
            old = rows.get(ref, {}).get(col, "")
            if old:
                plan.changes.append(CellChange(ref, col, old, "", source))
                plan.log.append(LogEntry(ref, col, "(erased)", "", source, note))
            if base.get((ref, col), "") != "":
                plan.base_updates[(ref, col)] = ""


def replace_contacts(ref: str, row: Mapping[str, str], given: Mapping[str, str],
                     base: Mapping[tuple[str, str], str], plan: Plan) -> None:
    """A "No" then a "Yes" since the last run: the "Yes" stores only what it gave, and
    whatever was held before the "No" goes, as if a run had happened in between."""
    for col in CONTACT_KEYS:
        old, new = row.get(col, ""), given.get(col, "")
        if old != new:
            plan.changes.append(CellChange(ref, col, old, new, "consent"))
            plan.log.append(LogEntry(
                ref, col, "(erased)" if old else "", shown_contact(col, new), "consent",
                "consent withdrawn, then given again"))
        if base.get((ref, col), "") != new:
            plan.base_updates[(ref, col)] = new
