"""Comparing a ledger entry's time with a moment: the ledger's times are text a person
could have damaged, so one that cannot be read never counts."""

from __future__ import annotations

from datetime import datetime


def _when(at: str, since: datetime) -> datetime | None:
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=since.tzinfo)


def after(at: str, since: datetime) -> bool:
    """A ledger time strictly after ``since``."""
    when = _when(at, since)
    return when is not None and when > since


def at_or_after(at: str, since: datetime) -> bool:
    """A ledger time at or after ``since``."""
    when = _when(at, since)
    return when is not None and when >= since
