"""The file a school gives its local authority: one row per leaver of a cohort, with the
current activity's NCCIS code. Pure: tracker rows in, rows of text out.

The Education and Skills Act 2008 (DOMAIN.md) says identifying details always go; more
is withheld when a student aged 16 or over told the school not to share it (the tracker's
"LA sharing opt-out (s72)" flag). Column names are data here, in one place, shared
with ``la_import``; a local authority's own headers are ``[local_authority.columns]`` in
the config (``headers`` below), so its layout is a config change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from destsync.domain import vocab
from destsync.domain.leaving import point_of

# Checkpoints that hold an activity, latest first; the intended one is a plan, not one.
ACTIVITY_GROUPS: tuple[str, ...] = ("year3", "year2", "year1", "actual")


@dataclass(frozen=True)
class LaColumn:
    header: str
    field: str  # a key of the row ``la_row`` builds
    basic: bool  # an identifying field: sent even when the student opted out


LA_COLUMNS: tuple[LaColumn, ...] = (
    LaColumn("School reference", "ref", True),
    LaColumn("Forename", "forename", True),
    LaColumn("Surname", "surname", True),
    LaColumn("Date of birth", "dob", True),
    LaColumn("Leaving year", "leaving_year", True),
    LaColumn("Activity code", "code", False),
    LaColumn("Activity", "activity", False),
    LaColumn("Start date", "start_date", False),
    LaColumn("Date confirmed", "confirmed", False),
    LaColumn("Provider", "provider", False),
    LaColumn("Level", "level", False),
)


def opted_out(row: Mapping[str, str]) -> bool:
    return row.get("s72_opt_out", "").strip().casefold() in ("yes", "y", "true", "1")


def current_activity(row: Mapping[str, str]) -> str | None:
    """The latest checkpoint holding a known activity, or None."""
    for g in ACTIVITY_GROUPS:
        label = row.get(f"{g}_destination", "").strip()
        if label and row.get(f"{g}_nccis", "").strip() not in _NOT_KNOWN:
            return g
    return None


_NOT_KNOWN = frozenset(str(c) for c in vocab.NOT_KNOWN_CODES)


def la_row(row: Mapping[str, str]) -> dict[str, str]:
    """One leaver's fields. Without a known activity the code is the latest not-known
    code recorded, else 810: the school does not know the current situation."""
    out = {k: row.get(k, "").strip() for k in ("ref", "forename", "surname", "dob",
                                               "leaving_year")}
    g = current_activity(row)
    if g is None:
        recorded = [row.get(f"{x}_nccis", "").strip() for x in ACTIVITY_GROUPS]
        code = next((c for c in recorded if c in _NOT_KNOWN), str(vocab.NOT_KNOWN))
        out.update(code=code, activity=vocab.NCCIS_LABELS[int(code)], start_date="",
                   confirmed="", provider="", level="")
        return out
    out.update(
        code=row.get(f"{g}_nccis", "").strip(),
        activity=row.get(f"{g}_destination", "").strip(),
        start_date=row.get(f"{g}_start_date", "").strip(),
        confirmed=row.get(f"{g}_updated", "").strip()[:10],  # when the leaver told us
        provider=row.get(f"{g}_provider", "").strip(),
        level=row.get(f"{g}_level", "").strip(),
    )
    return out


LA_FIELDS: tuple[str, ...] = tuple(c.field for c in LA_COLUMNS)


def la_headers(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field -> header: LA_COLUMNS' headers, with a local authority's own names."""
    return {c.field: (overrides or {}).get(c.field, c.header) for c in LA_COLUMNS}


def la_table(rows: Iterable[Mapping[str, str]], cohort: int,
             headers: Mapping[str, str] | None = None,
             point: str = "year13") -> list[list[str]]:
    """Header and one row per leaver of ``cohort`` (of one leaving point: Year 11 leavers
    get a file of the same form), by Ref; an opted-out student's row carries the basic
    fields only (the others are left empty)."""
    names = la_headers(headers)
    table = [[names[c.field] for c in LA_COLUMNS]]
    chosen = [r for r in rows if r.get("leaving_year", "").strip() == str(cohort)
              and point_of(r) == point]
    for row in sorted(chosen, key=lambda r: r.get("ref", "")):
        fields, withhold = la_row(row), opted_out(row)
        table.append([fields[c.field] if c.basic or not withhold else "" for c in LA_COLUMNS])
    return table
