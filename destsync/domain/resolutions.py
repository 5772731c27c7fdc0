"""Review rows that staff resolve in the sheet.

A person types into a Review row's "Resolve as" cell: a Ref (this response belongs to that
student), ``new`` (start a row from it), ``ignore`` (not one of ours), or ``accept`` (the
suggested student is right). The next sync carries it out through the ordinary placing and
three-way merge, writes the date into Resolved and what it did into Resolution, and logs
it. A row already resolved is never read again, and a placed response stays placed, so a
resolution is carried out once. One that cannot be carried out stays open with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from destsync.domain.identity import FORWARDED
from destsync.domain.model import ResponseRecord, ReviewRow
from destsync.domain.plan import LogEntry, Plan

NEW, IGNORE, ACCEPT = "new", "ignore", "accept"
WORDS = (ACCEPT, NEW, IGNORE)  # the dropdown's options; a Ref is typed
# Kinds whose response waits on Review for a row: only these can be placed by a person.
PLACING_KINDS = frozenset({"No match", "Possible match", FORWARDED})
NOT_DONE = "Not done: "
IGNORED = "ignored"  # the response's outcome once a person said it is not one of ours


@dataclass(frozen=True)
class Decision:
    """What a typed resolution asks of the placing of one response."""

    row: ReviewRow
    ref: str = ""  # place the response on this row
    new: bool = False  # start a row from it
    ignore: bool = False
    why_not: str = ""  # set when it cannot be carried out: placing goes on as if untyped


def word(typed: str) -> str:
    return typed.strip().casefold()


def decide(row: ReviewRow, known: ResponseRecord | None,
           find_ref: Callable[[str], str | None]) -> Decision:
    """The decision for one typed row about a response waiting for a row. ``find_ref``
    gives a row's Ref as spelt in the tracker, case-insensitively, or None."""
    w = word(row.resolve_as)
    target = ""
    if w == IGNORE:
        return Decision(row, ignore=True)
    if w == NEW:
        return Decision(row, new=True)
    if w == ACCEPT:
        candidates = [r.strip() for r in (row.ref or row.field).split(",") if r.strip()]
        if row.kind == "No match" or not candidates:
            return Decision(row, why_not="there is no suggested student to accept; type "
                            "their Ref, new or ignore")
        if len(candidates) > 1:
            return Decision(row, why_not="more than one student is suggested; type the Ref "
                            "of the right one")
        target = candidates[0]
    else:
        target = row.resolve_as.strip()
    found = find_ref(target)
    if found is None:
        return Decision(row, why_not=f"no row in the tracker has Ref {target}; check the "
                        "Ref, or add the student to the roster first")
    if known is not None and known.outcome in ("tracker", "superseded"):
        if known.ref == found:
            return Decision(row, why_not=f"{found} already holds this response")
        return Decision(row, why_not=f"this response is already on {known.ref}; move "
                        "its answers by hand")
    return Decision(row, ref=found)


def decisions(rows: Iterable[ReviewRow], responses: Mapping[str, ResponseRecord],
              find_ref: Callable[[str], str | None]) -> dict[str, Decision]:
    """Response id -> the decision typed for it (the first typed row, by key)."""
    out: dict[str, Decision] = {}
    for row in sorted(rows, key=lambda r: r.key):
        if row.kind in PLACING_KINDS and row.response_id and row.response_id not in out:
            out[row.response_id] = decide(row, responses.get(row.response_id), find_ref)
    return out


def settle(rows: Iterable[ReviewRow], settled: Mapping[str, tuple[bool, str]], plan: Plan,
           today: str, outcomes: Mapping[str, ResponseRecord]) -> None:
    """Record every typed row's result in ``plan``: Resolved and Resolution for the
    Review row, and a Change log entry for each one carried out, under the Ref the
    response now feeds (so ``destsync history`` shows it). ``settled`` holds what the
    placing did with the rows about a response (Review key -> (done, note))."""
    for row in rows:
        done, note = settled.get(row.key) or _other(row)
        if done:
            plan.review_updates[row.key] = (today, note)
            placed = outcomes.get(row.response_id)
            ref = placed.ref if placed and placed.ref else row.ref
            plan.log.append(LogEntry(ref, "Review", "", row.resolve_as.strip(),
                                     row.response_id or "staff",
                                     f"{row.kind} resolved: {note}"))
        elif row.resolution != NOT_DONE + note:
            plan.review_updates[row.key] = ("", NOT_DONE + note)


def _other(row: ReviewRow) -> tuple[bool, str]:
    """A row that is not about placing a response: a person can only close it."""
    w = word(row.resolve_as)
    if row.kind in PLACING_KINDS:
        return False, "the response is no longer among the form's responses"
    if w in (IGNORE, ACCEPT):
        return True, "closed by staff" if w == IGNORE else "accepted by staff"
    if w == NEW or w:
        return False, ("only a response waiting for a row can be given a Ref or a new row; "
                       "fix this in the tracker, then type accept or ignore")
    return False, "type a Ref, new, ignore or accept"
