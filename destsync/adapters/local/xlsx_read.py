"""The read pass of the workbook tracker: every tab the planner needs into one
TrackerSnapshot, each tab's cells read by ``xlsx_fast`` (openpyxl's for what it does not
model)."""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl import Workbook

from destsync.adapters.local import xlsx_applications as apps
from destsync.adapters.local import xlsx_fast as fast
from destsync.adapters.local import xlsx_layout as L
from destsync.domain import base_tab, layout
from destsync.domain.metrics import METRICS_TAB
from destsync.domain.model import LedgerEntry, ResponseRecord, TrackerSnapshot
from destsync.errors import TrackerError


def snapshot(wb: Workbook, headers: Mapping[str, str], name: str) -> TrackerSnapshot:
    snap = TrackerSnapshot()
    if L.TRACKER not in wb.sheetnames:
        raise TrackerError(f"tracker {name} has no {L.TRACKER!r} tab",
                           f"rename the main tab back to {L.TRACKER!r}")
    tracker = fast.rows(wb[L.TRACKER])
    layout.read_tracker_rows(next(tracker, ()), tracker, headers, name, snap)
    if L.REVIEW in wb.sheetnames:
        layout.read_review(fast.rows(wb[L.REVIEW]), snap)
    snap.base = base_tab.decode(state(wb, base_tab.BASE_TAB))
    for rid, submitted, outcome, ref, parsed in state(wb, "_destsync_responses"):
        snap.responses[rid] = ResponseRecord(rid, submitted, outcome, ref, parsed)
    for cp, year, _ in state(wb, "_destsync_frozen"):
        snap.frozen.add((cp, int(year)))
    for key, st, ref, campaign, at, mid in state(wb, "_destsync_ledger"):
        snap.ledger[key] = LedgerEntry(key, st, ref, campaign, at, mid)
    for key, value in state(wb, "_destsync_meta"):
        snap.meta[key] = value
    if L.RETURNS in wb.sheetnames:
        snap.returns = [tuple(r) for r in block(wb, L.RETURNS)[1:] if any(r)]
    if METRICS_TAB in wb.sheetnames:
        snap.metrics = block(wb, METRICS_TAB)
    apps.read(wb, snap)
    return snap


def block(wb: Workbook, tab: str) -> list[list[str]]:
    """A tab's values as canonical strings, one list per row (header first)."""
    return [[L.canonical(v) for v in row] for row in fast.rows(wb[tab])]


def state(wb: Workbook, tab: str) -> list[list[str]]:
    """A state tab's rows below its header, as wide as its header, canonical strings."""
    if tab not in wb.sheetnames:
        return []
    width = len(L.STATE_TABS[tab])
    return [
        [L.canonical(v) for v in row[:width]] + [""] * (width - len(row[:width]))
        for row in fast.rows(wb[tab], min_row=2)
        if row and row[0] is not None
    ]
