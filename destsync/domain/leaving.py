"""Leaving points (issue 16): which cohort a student belongs to, what the roster says about
it, and the September Guarantee record. Pure: plain rows and dates in, values out.

A cohort is a leaving year *and* a leaving point (``model.LEAVING_POINTS``): Year 13 (what
every tracker held before, and what a blank "Leaving point" cell means), Year 11, or a
mid-year leaver. A tracker without the "Leaving point" column is all Year 13.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from destsync.domain.calendar import AcademicCalendar
from destsync.domain.model import LEAVING_POINTS, RosterEntry
from destsync.domain.plan import ReviewItem

YEAR13, YEAR11, MIDYEAR = (key for key, _ in LEAVING_POINTS)
LABELS: dict[str, str] = dict(LEAVING_POINTS)
# What people type for each point, beside its key and label ("Y11", "11", "mid year").
_SPELLINGS: dict[str, str] = {
    **{key: key for key in LABELS},
    **{label.casefold(): key for key, label in LEAVING_POINTS},
    "y13": YEAR13, "13": YEAR13, "y11": YEAR11, "11": YEAR11, "mid year": MIDYEAR,
    "midyear": MIDYEAR, "mid-year leaver": MIDYEAR, "in-year": MIDYEAR, "": YEAR13,
}
# Statuses of an application that are an offer of a place, strongest first (16b's
# Applications tab; a firm or confirmed place is an offer that has been accepted).
OFFER_STATUSES: tuple[str, ...] = ("Confirmed", "Firm", "Offer")
Want = tuple[str, str, str, str]  # (ref, column, value, source), as reconcile merges it


def parse_point(text: str) -> str | None:
    """A leaving point as typed in a roster or tracker cell; None when it is none of them."""
    return _SPELLINGS.get(" ".join(text.replace("_", " ").split()).casefold())


def point_of(row: Mapping[str, str]) -> str:
    """A tracker row's leaving point. A cell nobody can read counts as Year 13, as
    before the column existed (the Review tab is no place for it: staff own the cell)."""
    return parse_point(row.get("leaving_point", "")) or YEAR13


def cell_text(point: str) -> str:
    """What destsync writes into "Leaving point": blank for Year 13, so a Year 13 tracker
    stays as it was; the label otherwise."""
    return "" if point == YEAR13 else LABELS[point]


def roster_year(e: RosterEntry, cal: AcademicCalendar) -> int:
    """A mid-year leaver's cohort is the academic year they left in (left on 10/02/2026:
    leavers of 2026), whatever leaving year the MIS still shows for them."""
    if e.leaving_point != MIDYEAR or not e.left_on:
        return e.leaving_year
    return cal.academic_year(date.fromisoformat(e.left_on)) + 1


def missing_columns(absent: Iterable[str], roster: Iterable[RosterEntry]) -> list[ReviewItem]:
    """A Review row (raised once) when the roster names Year 11 or mid-year leavers and
    the tracker has no column to hold it: they would count as Year 13 until it has."""
    entries = list(roster)
    wanted = {"leaving_point": any(e.leaving_point != YEAR13 for e in entries),
              "left_on": any(e.left_on for e in entries)}
    return [ReviewItem(
        f"Missing column|{key}", "Missing column", "", "", "", header, "", "",
        f"The roster says it, but the tracker has no {header!r} column, so nothing is "
        "written there (without Leaving point, everyone counts as Year 13). Run destsync "
        "setup, or type the header into row 1, then mark this resolved.",
    ) for key, header in (("leaving_point", "Leaving point"), ("left_on", "Left on"))
        if key in set(absent) and wanted[key]]


def cohorts(rows: Mapping[str, Mapping[str, str]]) -> dict[tuple[str, int], list[str]]:
    """(leaving point, leaving year) -> the refs in it, rows without a leaving year left out."""
    out: dict[tuple[str, int], list[str]] = {}
    for ref, row in rows.items():
        y = row.get("leaving_year", "").strip()
        if y.isdigit():
            out.setdefault((point_of(row), int(y)), []).append(ref)
    return out


def has_offer(row: Mapping[str, str]) -> bool:
    """A September Guarantee offer is recorded: a provider named in the offer column."""
    return bool(row.get("sg_offer", "").strip())


def best_offer(applications: Iterable[Mapping[str, str]]) -> tuple[str, str] | None:
    """The September Guarantee offer among one student's applications: (provider, date)
    of the strongest offer (confirmed, then firm, then offer), the earliest of those;
    None when no application is an offer."""
    best: tuple[int, str, str] | None = None
    for app in applications:
        status = app.get("status", "").strip().casefold()
        rank = next((i for i, s in enumerate(OFFER_STATUSES) if s.casefold() == status), None)
        provider = app.get("provider", "").strip()
        if rank is None or not provider:
            continue
        when = app.get("updated", "").strip()[:10]
        if best is None or (rank, when or "9999") < (best[0], best[2] or "9999"):
            best = (rank, provider, when)
    return None if best is None else (best[1], best[2])


def offer_wants(applications: Mapping[str, Mapping[str, str]],
                rows: Mapping[str, Mapping[str, str]]) -> list[Want]:
    """The September Guarantee cells the Applications tab implies for Year 11 rows,
    merged like any cell, so an offer a person typed stands. A sixth-former's offers are
    for after Year 13, not the Guarantee: a Year 12 leaver's offer is typed by staff."""
    by_ref: dict[str, list[Mapping[str, str]]] = {}
    for app in applications.values():
        by_ref.setdefault(app.get("ref", "").strip(), []).append(app)
    out: list[Want] = []
    for ref in sorted(r for r in set(by_ref) & set(rows) if point_of(rows[r]) == YEAR11):
        offer = best_offer(by_ref[ref])
        if offer is not None:
            out += [(ref, "sg_offer", offer[0], "applications"),
                    (ref, "sg_offer_date", offer[1], "applications")]
    return out
