"""The three-way merge of one tracker cell, and the Conflict it raises.

*base* is what destsync last wrote (the hidden ``_destsync_base`` tab), *theirs* is the
cell now, *ours* is what the roster, a response or a campaign outcome says. A person's
edit (theirs != base) always stands; the disagreement becomes a Conflict review item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from destsync.domain.answers import CONTACT_KEYS
from destsync.domain.masking import shown_contact
from destsync.domain.model import header_of
from destsync.domain.plan import CellChange, LogEntry, Plan, ReviewItem

CONFLICT_ACTION = (
    "A person changed this cell, so destsync left it alone. Copy the form's value in if it "
    "is right, then mark this resolved."
)


@dataclass
class Merger:
    """Merges cells into ``plan``; ``review_keys`` holds every Review key already raised
    (on the tab or earlier in this run), so the same problem is shown once."""

    base: Mapping[tuple[str, str], str]
    plan: Plan
    review_keys: set[str]

    def add_review(self, item: ReviewItem) -> None:
        if item.key not in self.review_keys:
            self.review_keys.add(item.key)
            self.plan.review.append(item)

    def cell(self, ref: str, theirs: str, col: str, ours: str, src: str) -> None:
        base = self.base.get((ref, col))
        if ours == base or (base is None and ours == ""):
            return  # nothing new to say about this cell
        if theirs == ours:
            self.plan.base_updates[(ref, col)] = ours
            return
        if theirs == (base or ""):
            self.plan.changes.append(CellChange(ref, col, theirs, ours, src))
            self.plan.base_updates[(ref, col)] = ours
            self.plan.log.append(LogEntry(
                ref, col, shown_contact(col, theirs), shown_contact(col, ours), src, ""))
            return
        self.add_review(ReviewItem(
            conflict_key(ref, col, ours), "Conflict", ref, src if src != "roster" else "", "",
            header_of(col), shown_contact(col, theirs), shown_contact(col, ours),
            CONFLICT_ACTION,
        ))


def conflict_key(ref: str, col: str, ours: str) -> str:
    """The same conflict is raised once. A contact value is hashed into the key, which
    sits in a visible column and would otherwise keep the address after an erasure."""
    if col in CONTACT_KEYS:
        ours = hashlib.sha256(ours.encode("utf-8")).hexdigest()[:12]
    return f"Conflict|{ref}|{col}|{ours}"
