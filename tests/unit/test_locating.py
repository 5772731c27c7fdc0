"""Matching to a fixpoint without rescanning everyone (domain/locating.py): the same
outcome, in the same order, as trying every waiting response again after each change."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from destsync.domain.locating import Outcome, locate_all

# An item: (keys it is found by, keys it adds when it matches, keys a last chance adds).
Item = tuple[frozenset[str], frozenset[str], frozenset[str]]


class World:
    """A toy matcher: an item matches once any of its keys is known; the first item to
    bring a key owns it, and an item matches the owner of its smallest known key (so the
    order in which items are tried decides who owns what, as with emails)."""

    def __init__(self) -> None:
        self.owner: dict[str, str] = {}
        self.log: list[tuple[str, int]] = []

    def attempt_for(self, items: list[Item]) -> Callable[[Item], Outcome]:
        def attempt(item: Item) -> Outcome:
            known = sorted(k for k in item[0] if k in self.owner)
            if not known:
                return None, ()
            ref = self.owner[known[0]]
            self.log.append(("match", items.index(item)))
            return ref, self._own(item[1], ref)
        return attempt

    def last_for(self, items: list[Item]) -> Callable[[Item], Outcome]:
        def last(item: Item) -> Outcome:
            i = items.index(item)
            self.log.append(("last", i))
            if not item[2]:
                return None, ()  # Review
            return f"new{i}", self._own(item[2], f"new{i}")
        return last

    def _own(self, keys: Iterable[str], ref: str) -> list[Hashable]:
        added = [k for k in sorted(keys) if k not in self.owner]
        for k in added:
            self.owner[k] = ref
        return list(added)


def rescan_everyone(items: list[Item], world: World) -> dict[int, str]:
    """The former algorithm: a full pass after every change."""
    attempt, last = world.attempt_for(items), world.last_for(items)
    refs: dict[int, str] = {}
    pending = list(range(len(items)))
    rescan = True
    while pending:
        if rescan:
            still = []
            for i in pending:
                ref, _ = attempt(items[i])
                if ref is None:
                    still.append(i)
                else:
                    refs[i] = ref
            if len(still) < len(pending):
                pending = still
                continue
        first, pending = pending[0], pending[1:]
        ref, added = last(items[first])
        if ref is not None:
            refs[first] = ref
        rescan = bool(added)
    return refs


keys = st.frozensets(st.sampled_from("abcdef"), max_size=2)
items_st = st.lists(st.tuples(keys, keys, keys), max_size=12, unique=True)


@settings(max_examples=400, deadline=None)
@given(items_st, keys)
def test_same_rows_and_order_as_rescanning_everyone(
    items: list[Item], seeded: frozenset[str]
) -> None:
    old, new = World(), World()
    for w in (old, new):
        w.owner = {k: "roster" for k in seeded}
    expected = rescan_everyone(items, old)
    got = locate_all(items, lambda it: it[0], new.attempt_for(items), new.last_for(items))
    assert got == expected
    assert new.log == old.log
    assert new.owner == old.owner


def test_strangers_are_each_tried_a_bounded_number_of_times() -> None:
    # 2,000 responses that match nobody and start their own rows: before, every new row
    # meant trying every waiting response again (about 2 million attempts).
    items: list[Item] = [(frozenset({f"k{i}"}), frozenset(), frozenset({f"k{i}"}))
                         for i in range(2000)]
    world = World()
    tries = 0
    attempt = world.attempt_for(items)

    def counted(item: Item) -> Outcome:
        nonlocal tries
        tries += 1
        return attempt(item)

    refs = locate_all(items, lambda it: it[0], counted, world.last_for(items))
    assert len(refs) == 2000
    assert tries <= 2 * len(items)
