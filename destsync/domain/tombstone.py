"""What the next sync must not bring back: erased students, and rows staff deleted.

An erasure leaves, in ``_destsync_meta``, a tombstone: the salted hash of the Ref and of
each response id that was about the student (the salt is the academy's, kept in the same
tab, so a hash cannot be checked against a list of Refs elsewhere). Form A and the MIS
roster still hold the student until a person deletes them there; the tombstone is how a
sync knows to leave those lines alone. A response submitted after the erasure is not in
the tombstone: it is a new start, and the roster line it names comes back with it.

A row destsync wrote (it has a merge base) that is no longer on the Tracker was deleted
by a person. It is not re-created: a Review item asks staff to erase it or restore it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from destsync.domain.model import RawResponse, RosterEntry, TrackerSnapshot
from destsync.domain.plan import ReviewItem

SALT_KEY = "erase_salt"
TOMBSTONE_PREFIX = "tombstone/"
DELETED_KIND = "Row deleted"


def hashed(salt: str, text: str) -> str:
    return hashlib.sha256(f"{salt}:{text.strip()}".encode()).hexdigest()[:16]


def tombstone_value(day: str, response_hashes: Iterable[str]) -> str:
    return f"{day}|{','.join(sorted(response_hashes))}"


@dataclass(frozen=True)
class Tombstones:
    salt: str
    refs: frozenset[str]
    responses: frozenset[str]

    @classmethod
    def from_meta(cls, meta: dict[str, str]) -> Tombstones:
        refs: set[str] = set()
        rids: set[str] = set()
        for key, value in meta.items():
            if key.startswith(TOMBSTONE_PREFIX):
                refs.add(key[len(TOMBSTONE_PREFIX):])
                rids.update(h for h in value.partition("|")[2].split(",") if h)
        return cls(meta.get(SALT_KEY, ""), frozenset(refs), frozenset(rids))

    def erased(self, ref: str) -> bool:
        return bool(self.salt) and hashed(self.salt, ref) in self.refs

    def old_response(self, response_id: str) -> bool:
        return bool(self.salt) and hashed(self.salt, response_id) in self.responses


@dataclass
class Screen:
    """The roster and responses a sync may use, and what staff must decide."""

    roster: list[RosterEntry]
    responses: list[RawResponse]
    review: list[ReviewItem] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)


def deleted_rows(snap: TrackerSnapshot) -> set[str]:
    """Refs destsync wrote (a merge base) whose row is gone from the Tracker."""
    return {ref for ref, _ in snap.base if ref not in snap.rows}


def screen(snap: TrackerSnapshot, roster: Sequence[RosterEntry],
           responses: Sequence[RawResponse]) -> Screen:
    tombs = Tombstones.from_meta(snap.meta)
    deleted = deleted_rows(snap)
    kept = [r for r in responses if not tombs.old_response(r.response_id)
            and _placed_on(snap, r.response_id) not in deleted]
    fresh = {r.answers.get("reference", "").strip().upper() for r in kept}
    out = Screen(
        [e for e in roster if e.ref not in deleted and not (
            e.ref not in snap.rows and tombs.erased(e.ref) and e.ref.upper() not in fresh)],
        kept, deleted=deleted)
    for ref in sorted(deleted):
        key = f"deleted/{ref}"
        if key not in snap.review_keys:
            out.review.append(ReviewItem(
                key, DELETED_KIND, ref, "", "", "Ref", ref, "",
                f"This row was deleted from the Tracker; destsync will not re-create it. "
                f"To erase everything about the student: destsync erase --ref {ref}. "
                f"To bring the row back: destsync restore --ref {ref}."))
    return out


def _placed_on(snap: TrackerSnapshot, response_id: str) -> str | None:
    rec = snap.responses.get(response_id)
    return rec.ref if rec is not None else None
