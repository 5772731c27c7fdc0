"""Freezing the trust's returns: at each checkpoint's deadline, once per cohort, the rows
as they will be after this run are copied into the Returns tab and never change again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from destsync.domain.calendar import Checkpoint
from destsync.domain.context import PlanContext
from destsync.domain.leaving import MIDYEAR, cohorts, has_offer
from destsync.domain.model import TrackerSnapshot
from destsync.domain.plan import Freeze
from destsync.domain.validation import return_cell, validation

OFFER_NOTE = "Offer recorded"  # the September Guarantee return's note, before the date


def freezes_due(snap: TrackerSnapshot, after: Mapping[str, Mapping[str, str]],
                ctx: PlanContext, today: date) -> list[Freeze]:
    """Every (checkpoint, cohort) whose deadline has passed and that is not frozen yet.
    ``after`` is the tracker as it will be once this run's changes are applied."""
    by_point = cohorts(after)
    late_after = timedelta(days=ctx.freeze_late_days)
    out: list[Freeze] = []
    for cp in ctx.checkpoints:
        # A checkpoint freezes the cohorts of its own leaving point (Year 13 by default).
        mine = {year: refs for (point, year), refs in by_point.items() if point == cp.point}
        for year, refs in sorted(mine.items()):
            deadline = ctx.calendar.deadline(cp, year)
            if today <= deadline or (cp.key, year) in snap.frozen:
                continue
            rows = tuple(return_row(cp, year, after[r], today) for r in sorted(refs))
            late = today > deadline + late_after
            out.append(Freeze(cp.key, cp.label, year, rows, late))
    return out


def return_row(cp: Checkpoint, year: int, row: Mapping[str, str],
               today: date) -> tuple[str, ...]:
    """One student's line in a frozen return, with a note when it cannot be signed off."""
    g = cp.group
    dest = row.get(f"{g}_destination", "")
    note, provider = "", row.get(f"{g}_provider", "")
    if cp.offer:
        # The September Guarantee return: the plan beside the offer that was recorded.
        provider = row.get("sg_offer", "").strip()
        when = row.get("sg_offer_date", "").strip()
        note = (f"{OFFER_NOTE} {when}".strip() if has_offer(row)
                else "No September Guarantee offer recorded")
    elif not dest:
        note = "No destination recorded"
    elif cp.needs_validation:
        check = validation(row)
        # The evidence travels with the return the trust signs.
        note = (f"Validated by {check.evidence}" if check.ok
                else "Not validated" + (f" ({check.evidence})" if check.said else ""))
    return (
        cp.label,
        str(year),
        today.isoformat(),
        row.get("ref", ""),
        row.get("forename", ""),
        row.get("surname", ""),
        dest,
        row.get(f"{g}_nccis", ""),
        row.get(f"{g}_course", ""),
        row.get(f"{g}_level", ""),
        provider,
        return_cell(row),
        _with_left_on(note, row) if cp.point == MIDYEAR else note,
    )


def _with_left_on(note: str, row: Mapping[str, str]) -> str:
    """A mid-year leaver's line says when they left, beside where they went."""
    left = row.get("left_on", "").strip()
    return "; ".join(x for x in (f"Left on {left}" if left else "Left on: not recorded", note)
                     if x)
