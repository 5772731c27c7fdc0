"""`destsync erase`: one student removed from everywhere destsync keeps data.

Order matters for a run that stops half-way: the mail files go first (the tracker still
names the student, so running erase again finds them and finishes), then the tracker in
one all-or-nothing write that also leaves the tombstone and the audit entry.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from destsync.domain.erase_plan import ErasePlan, Grid, TabEdit, find_ref_row, holds, plan_erase
from destsync.domain.lease import LEASE_TTL
from destsync.domain.tombstone import SALT_KEY, TOMBSTONE_PREFIX, hashed
from destsync.errors import DestsyncError, InputError, TrackerError
from destsync.service.ports import AcademyPorts, MailFiles, WholeTracker

log = logging.getLogger("destsync.erase")
EVERY_RESPONSE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class Erased:
    academy: str
    plan: ErasePlan
    files_changed: int = 0


def _meta(grids: dict[str, Grid]) -> dict[str, str]:
    return {r[0]: r[1] for r in grids.get("_destsync_meta", [])[1:] if len(r) > 1 and r[0]}


def _whole(p: AcademyPorts) -> WholeTracker:
    t = p.tracker
    if not (hasattr(t, "read_grids") and hasattr(t, "rewrite")):
        raise TrackerError(f"the {p.academy.code} tracker cannot be erased from",
                           "use a workbook or Google Sheets tracker")
    return t  # type: ignore[return-value]  # checked just above: both methods exist


def erase_student(ports: Sequence[AcademyPorts], ref: str, now: datetime, dry_run: bool,
                  files: MailFiles | None) -> Erased:
    run_id = uuid.uuid4().hex[:12]
    metas: list[tuple[str, dict[str, str]]] = []  # each academy's state, read once
    for p in ports:
        whole = _whole(p)
        grids = whole.read_grids()
        meta = _meta(grids)
        if not holds(grids, ref, p.academy.headers["ref"]):
            metas.append((p.academy.code, meta))
            continue
        salt = meta.get(SALT_KEY, "")
        # Their check-ins (issue 16) too: the tombstone then sets them aside for good.
        answers = [*p.responses.read(EVERY_RESPONSE),
                   *(p.checkin.read(None) if p.checkin else ())]
        plan = plan_erase(ref, grids, p.academy.headers, answers,
                          salt or secrets.token_hex(16), not salt,
                          now.isoformat(timespec="seconds"), run_id)
        done = Erased(p.academy.code, plan)
        if dry_run:
            return done
        _with_lease(p, run_id, partial(_apply, done, whole, files))
        log.info("%s: erased one student on request (tombstone %s)", p.academy.code,
                 plan.tombstone, extra={"academy": p.academy.code, "run_id": run_id})
        return done
    for code, meta in metas:
        if meta.get(SALT_KEY) and TOMBSTONE_PREFIX + hashed(meta[SALT_KEY], ref) in meta:
            raise InputError(f"Ref {ref!r} was already erased from {code}",
                             "nothing is left to erase; nothing was written")
    raise InputError(f"no row has Ref {ref!r} in any academy's tracker",
                     "copy the Ref from the Tracker tab (it looks like OAK-1001)")


def _apply(done: Erased, whole: WholeTracker, files: MailFiles | None) -> None:
    if files is not None:
        done.files_changed = files.forget(done.plan.ledger_keys, done.plan.identifiers)
    try:
        whole.rewrite(done.plan.edits)
    except DestsyncError as exc:
        if done.files_changed:  # the hint's "nothing was written" is true of the tracker
            exc.hint = exc.hint.replace(
                "nothing was written", "the tracker was not changed (its mail files were "
                "already cleaned)") + "; then run erase again to finish"
        raise


def _with_lease(p: AcademyPorts, run_id: str, work: Callable[[], None]) -> None:
    """The academy's lease, so a sync cannot write the row back while it goes."""
    holder = f"erase {run_id}"
    if p.lease is not None:
        other = p.lease.acquire(holder, datetime.now(UTC), LEASE_TTL)
        if other is not None:
            raise TrackerError(f"{p.academy.code}: another run is working on it ({other})",
                               "run erase again when it has finished; nothing was written")
    try:
        work()
    finally:
        if p.lease is not None:
            p.lease.release(holder)



def restore_row(ports: Sequence[AcademyPorts], ref: str) -> str:
    """Undo "a deleted row stays deleted" for ``ref``: forget its merge base, so the next
    sync re-creates the row as if it were new. The academy's code."""
    for p in ports:
        whole = _whole(p)
        grids = whole.read_grids()
        if find_ref_row(grids.get("Tracker", []), ref, p.academy.headers["ref"]) is not None:
            raise InputError(f"Ref {ref!r} is on the {p.academy.code} Tracker already",
                             "nothing to restore; nothing was written")
        base = grids.get("_destsync_base", [])
        gone = [r for r, row in enumerate(base) if r and row and row[0].strip() == ref]
        if gone:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            log_row = [stamp, "restore", ref, "", "", "", "restore",
                       "row deleted by staff: restored on request"]
            edits = {"_destsync_base": TabEdit(delete=gone),
                     "Change log": TabEdit(append=[log_row])}
            _with_lease(p, "restore", partial(whole.rewrite, edits))
            return p.academy.code
    raise InputError(f"no deleted row with Ref {ref!r} is known to destsync",
                     "copy the Ref from the Review tab's \"Row deleted\" item")
