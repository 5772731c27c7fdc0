"""After a run's plan is applied: the copies of contact details outside the row follow a
withdrawal or the end of retention (``domain.withdrawal``), and a stopped run's
temporary files go. Adapters without these abilities are skipped (test fakes)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from destsync.domain import layout
from destsync.domain.plan import Plan
from destsync.domain.withdrawal import DIGEST_KEY, digest, meta_set, review_masks
from destsync.service.ports import AcademyPorts, WholeTracker

log = logging.getLogger("destsync.withdrawal")


def remove_leftovers(p: AcademyPorts) -> None:
    """Called once the academy's lease is held, before anything is written."""
    n = 0
    clean = getattr(p.tracker, "remove_leftovers", None)
    if callable(clean):
        n += cast(Callable[[], int], clean)()
    if p.mail_files is not None:
        n += p.mail_files.remove_leftovers()
    if n:
        log.info("%s: removed %d temporary files a stopped run left", p.academy.code, n,
                 extra={"academy": p.academy.code})


def needs_follow_up(plan: Plan, meta: dict[str, str]) -> bool:
    """Whether the set of erased Refs differs from last time (``follow_up`` has work)."""
    return meta.get(DIGEST_KEY, digest(())) != digest(plan.erased)


def follow_up(p: AcademyPorts, plan: Plan, meta: dict[str, str]) -> None:
    """The rewrite a run's plan cannot express, made only when the set of erased Refs
    differs from last time: the copies of their contact details outside the row."""
    if not needs_follow_up(plan, meta):
        return
    now = digest(plan.erased)
    if not (hasattr(p.tracker, "read_grids") and hasattr(p.tracker, "rewrite")):
        return
    whole = cast(WholeTracker, p.tracker)
    if p.mail_files is not None:
        p.mail_files.scrub_recipients(plan.erased)
    grids = whole.read_grids()
    edits = {
        layout.REVIEW: review_masks(grids.get(layout.REVIEW, []), plan.erased,
                                    p.academy.headers),
        "_destsync_meta": meta_set(grids.get("_destsync_meta", []), DIGEST_KEY, now),
    }
    whole.rewrite({tab: e for tab, e in edits.items() if not e.is_empty()})
