"""The Applications tab's three-way merge (issue 16): one row per application a current
student made, keyed by Ref and a slug of provider and course (``checkin.app_key``).

Each cell is merged as a Tracker cell is (``merge.Merger``): *base* is what destsync last
wrote (kept in the hidden merge-base tab under the student's Ref, column
``app:<key>:<field>``, so an erasure of the student takes it with the rest), *theirs* is
the cell now, *ours* what the latest check-in says. A person's edit stands and a
disagreement is a Conflict on Review. A row staff deleted stays deleted: its base is
still there, so it is not added again. An application a later check-in leaves out is
kept: students list what is new, not everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from destsync.domain.checkin_place import AppWant
from destsync.domain.merge import Merger
from destsync.domain.model import APPLICATION_FIELDS, TrackerSnapshot
from destsync.domain.plan import AppChange, LogEntry, NewApp, Plan

FIELD_LABELS = dict(APPLICATION_FIELDS)
# The fields a check-in sets; Ref is the key's own and never rewritten.
MERGED = tuple(k for k, _ in APPLICATION_FIELDS if k != "ref")


def base_col(key: str, field: str) -> str:
    return f"app:{key}:{field}"


def merge_applications(snap: TrackerSnapshot, wants: Mapping[str, AppWant], plan: Plan,
                       review_keys: set[str]) -> None:
    """Add to ``plan`` the Applications rows and cells ``wants`` call for."""
    for key, want in sorted(wants.items()):
        theirs = snap.applications.get(key)
        based = [f for f in MERGED if (want.ref, base_col(key, f)) in snap.base]
        if theirs is None:
            if based:
                continue  # staff deleted the row: their word stands
            values = {k: v for k, v in want.values.items() if v}
            plan.app_rows.append(NewApp(key, want.ref, values, want.source))
            plan.log.append(LogEntry(want.ref, "Application", "", f"{want.label}: "
                                     f"{values.get('status', '')}", want.source,
                                     "added to the Applications tab"))
            for f in MERGED:
                if values.get(f):
                    plan.base_updates[(want.ref, base_col(key, f))] = values[f]
            continue
        _merge_row(snap, key, want, theirs, plan, review_keys)


def _merge_row(snap: TrackerSnapshot, key: str, want: AppWant, theirs: Mapping[str, str],
               plan: Plan, review_keys: set[str]) -> None:
    # The Tracker's own merge, into a scratch plan: one rule for a cell wherever it is.
    scratch = Plan(now=plan.now)
    merger = Merger(snap.base, scratch, review_keys)
    for f in MERGED:
        merger.cell(want.ref, theirs.get(f, ""), base_col(key, f), want.values.get(f, ""),
                    want.source)
    fields = {base_col(key, f): f for f in MERGED}
    for c in scratch.changes:
        plan.app_changes.append(AppChange(key, want.ref, fields[c.column], c.old, c.new,
                                          c.source))
    plan.base_updates.update(scratch.base_updates)
    plan.log += [replace(e, field=f"Application {want.label}: {FIELD_LABELS[fields[e.field]]}")
                 for e in scratch.log]
    for item in scratch.review:
        label = f"Application {want.label}: {FIELD_LABELS[fields[item.field]]}"
        plan.review.append(replace(item, field=label))


def after_applications(snap: TrackerSnapshot, plan: Plan) -> dict[str, dict[str, str]]:
    """The Applications tab as it will be once ``plan`` is written: what the digest and
    the campaigns judge by, so a check-in counts the run it arrives (a results-day
    change is flagged that day, not at the next sync)."""
    out = {key: dict(app) for key, app in snap.applications.items()}
    for row in plan.app_rows:
        out[row.key] = {"ref": row.ref, **row.values}
    for c in plan.app_changes:
        out.setdefault(c.key, {"ref": c.ref})[c.field] = c.new
    return out
