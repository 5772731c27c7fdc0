"""Matching a run's responses to rows, to a fixpoint, in time linear in the responses.

A response may only be matchable through an email that another response gives, or a row
that another response starts, so matching repeats until nothing more matches; then the
earliest unmatched response gets its last chance (a new row, or Review) and matching goes
on against what that added. Trying every waiting response again after each new row made
placing N strangers quadratic. A response can only start to match once the matcher gains
one of its own keys (its reference, its email, its name with its date of birth), so here
a response waits on its keys and is tried again only when one of them is added.

The passes are the same as trying everyone each time: a response woken by a key later in
its pass is tried in that pass, in the same order; one woken earlier waits for the next
pass. Which response gets a contested email therefore does not change.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
# What an attempt returns: the row found (or None) and the matcher keys it added.
Outcome = tuple[str | None, Iterable[Hashable]]


def locate_all(
    items: Sequence[T],
    keys_of: Callable[[T], Iterable[Hashable]],
    attempt: Callable[[T], Outcome],
    last_chance: Callable[[T], Outcome],
) -> dict[int, str]:
    """Index of each item that found a row -> its row. ``attempt`` matches without
    side effects when it finds nothing; ``last_chance`` always settles the item."""
    waiting: dict[Hashable, list[int]] = {}
    for i, item in enumerate(items):
        for key in keys_of(item):
            waiting.setdefault(key, []).append(i)
    pending = set(range(len(items)))
    refs: dict[int, str] = {}
    heap = list(range(len(items)))  # this pass, in order
    queued = set(heap)
    later: set[int] = set()  # woken behind the pass's position: the next pass
    pos = -1
    earliest = 0

    def wake(added: Iterable[Hashable]) -> None:
        for key in added:
            for j in waiting.get(key, ()):
                if j not in pending:
                    continue
                if j > pos and j not in queued:
                    heapq.heappush(heap, j)
                    queued.add(j)
                elif j <= pos:
                    later.add(j)

    while pending:
        progress = False
        while heap:
            i = heapq.heappop(heap)
            queued.discard(i)
            if i not in pending:
                continue
            pos = i
            ref, added = attempt(items[i])
            if ref is not None:
                refs[i] = ref
                pending.discard(i)
                progress = True
                wake(added)
        pos = len(items)  # between passes: everything woken is tried in the next one
        if not progress:
            while earliest not in pending:
                earliest += 1
            pending.discard(earliest)
            ref, added = last_chance(items[earliest])
            if ref is not None:
                refs[earliest] = ref
            wake(added)
        heap = sorted(later & pending)
        queued = set(heap)
        later = set()
        pos = -1
    return refs
