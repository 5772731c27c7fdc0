"""The Applications tab as a run leaves it (``after_applications``): what the digest and
the campaigns judge by, so a check-in counts in the run that reads it."""

from __future__ import annotations

from datetime import UTC, datetime

from destsync.domain.applications import after_applications
from destsync.domain.model import TrackerSnapshot
from destsync.domain.plan import AppChange, NewApp, Plan

KEY = "OAK-1/northtown-university/ba-history"


def test_new_rows_and_changed_cells_are_seen_and_the_snapshot_is_left_alone() -> None:
    snap = TrackerSnapshot(applications={KEY: {"ref": "OAK-1", "status": "Offer"}})
    plan = Plan(now=datetime(2027, 8, 19, tzinfo=UTC))
    plan.app_changes.append(AppChange(KEY, "OAK-1", "status", "Offer", "Confirmed", "c1"))
    plan.app_rows.append(NewApp("OAK-2/x/y", "OAK-2", {"provider": "X", "course": "Y",
                                                       "status": "Firm"}, "c2"))
    after = after_applications(snap, plan)
    assert after[KEY] == {"ref": "OAK-1", "status": "Confirmed"}
    assert after["OAK-2/x/y"] == {"ref": "OAK-2", "provider": "X", "course": "Y",
                                  "status": "Firm"}
    assert snap.applications[KEY]["status"] == "Offer"  # the read is not rewritten
    assert after_applications(snap, Plan(now=plan.now)) == snap.applications
