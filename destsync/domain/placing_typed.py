"""The two places where placing defers to a person: a Review row staff typed a
resolution into (see ``resolutions``), and a reference whose row is someone else's (see
``identity``). Kept apart from ``placing`` so its matching stays short; ``_Placer`` mixes
this in.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Protocol

from destsync.domain import identity, resolutions
from destsync.domain.model import ResponseRecord, TrackerSnapshot
from destsync.domain.plan import ReviewItem

if TYPE_CHECKING:
    from destsync.domain.answers import ParsedResponse


class Placement(Protocol):
    """What this needs of ``placing.Placement`` (importing it would be a cycle)."""

    known_rows: dict[str, dict[str, str]]
    new_refs: dict[str, str]
    settled: dict[str, tuple[bool, str]]

    def current(self, ref: str, col: str) -> str: ...


def local_time(t: datetime, tz: tzinfo) -> str:
    """A submission time as Review shows it: the trust's local time, to the minute."""
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


class TypedAndForwarded:
    snap: TrackerSnapshot
    out: Placement
    tz: tzinfo
    # response id -> (the Ref it gave, what differs): a reference whose row is someone else's.
    _forwarded: dict[str, tuple[str, str]]
    _decided: dict[str, resolutions.Decision]  # response id -> staff's typed word

    if TYPE_CHECKING:  # provided by _Placer
        def _record(self, rid: str, outcome: str, ref: str = "") -> None: ...
        def _add_review(self, item: ReviewItem) -> None: ...
        def _who_in_tracker(self, ref: str) -> str: ...
        def _new_row_for(self, p: ParsedResponse, typed: bool = False) -> str | None: ...

    def _decide(self) -> None:
        """Read the typed Review rows, once the roster's rows are known."""
        spelt = {r.casefold(): r for r in (*self.out.known_rows, *self.out.new_refs)}
        self._decided = resolutions.decisions(
            self.snap.review_open, self.snap.responses, lambda r: spelt.get(r.casefold()))

    def _typed_ref(self, p: ParsedResponse, known: ResponseRecord | None) -> str | None:
        """The row staff typed for ``p``: a Ref, "" for no row (ignore, new, or ignored
        before), or None when matching decides."""
        d = self._decided.get(p.raw.response_id)
        if d is not None and not d.why_not:
            return d.ref
        if known and known.outcome == resolutions.IGNORED:
            return ""
        return None

    def _settle_typed_refs(self, refs: dict[str, str]) -> None:
        for rid, d in self._decided.items():
            if d.ref and refs.get(rid) == d.ref:
                self.out.settled[d.row.key] = (True, f"answers placed on {d.ref}")
            elif d.why_not:
                self.out.settled[d.row.key] = (False, d.why_not)

    def _resolved_as_typed(self, p: ParsedResponse) -> bool:
        """Carry out a typed ``ignore`` or ``new`` (a typed Ref is placed by matching);
        True when it decided where ``p`` goes (its outcome is then recorded)."""
        rid = p.raw.response_id
        d, known = self._decided.get(rid), self.snap.responses.get(rid)
        if (d and d.ignore) or (not d and known and known.outcome == resolutions.IGNORED):
            self._record(rid, resolutions.IGNORED)
            if d:
                self.out.settled[d.row.key] = (True, "ignored: not one of ours")
            return True
        if d and d.new:
            ref = self._new_row_for(p, typed=True)
            if ref is None:  # on Review again, as "No match"
                self.out.settled[d.row.key] = (False, "a new row needs at least a name")
                return True
            self._record(rid, "tracker", ref)
            self.out.settled[d.row.key] = (True, f"new row {ref} started")
            return True
        return False

    def _forwarded_link(self, p: ParsedResponse, ref: str) -> bool:
        """True when ``p``'s reference names ``ref`` but its name or date of birth clearly
        disagree: nothing of it may reach that row."""
        row = {k: self.out.current(ref, k) for k in ("forename", "surname", "dob")}
        differs = identity.disagreement(row, p.forename, p.surname, p.dob)
        if differs:
            self._forwarded[p.raw.response_id] = (ref, differs)
        return bool(differs)

    def _forwarded_review(self, p: ParsedResponse) -> bool:
        """Park a forwarded-link response on Review with both identities."""
        rid = p.raw.response_id
        if rid not in self._forwarded:
            return False
        ref, differs = self._forwarded[rid]
        self._add_review(identity.forwarded_item(
            rid, local_time(p.raw.submitted, self.tz), ref, self._who_in_tracker(ref),
            identity.who_answered(p.forename, p.surname, p.dob, p.email), differs))
        self._record(rid, "review")
        return True
