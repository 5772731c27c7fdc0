"""Review resolved in the sheet: a typed Ref, new, ignore or accept is carried out by the
next sync, once, through the ordinary merge; an impossible one stays open with the reason."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destsync.domain.identity import FORWARDED
from destsync.domain.model import RawResponse
from destsync.domain.plan import Plan, ReviewItem
from destsync.domain.reconcile import plan_sync
from destsync.domain.resolutions import NOT_DONE
from tests.builders import CTX, answers, at, student
from tests.fakes import MemoryTracker

ROSTER = [student(n) for n in range(1, 4)]
START = at(2026, 4, 1)
# Not enough to start a row (no date of birth): a "No match" row.
UNKNOWN = RawResponse("u1", START, answers(None, reference="", dob="",
                                           destination="Apprenticeship"), "test")


def sync(t: MemoryTracker, rs: list[RawResponse], day: int, roster: list = ROSTER) -> Plan:  # type: ignore[type-arg]
    plan = plan_sync(t.read(), roster, rs, CTX, START + timedelta(days=day))
    t.apply(plan)
    return plan


def item(t: MemoryTracker, kind: str) -> ReviewItem:
    [found] = [i for i in t.review_rows if i.kind == kind]  # type: ignore[attr-defined]
    return found  # type: ignore[no-any-return]


def test_a_ref_typed_on_a_no_match_row_places_the_answers_once_and_logs_it() -> None:
    t = MemoryTracker()
    sync(t, [UNKNOWN], 1)
    row = item(t, "No match")
    assert "Resolve as" in row.action
    target = ROSTER[1].ref
    t.type_resolution(row.key, target.lower())  # typed by hand: case does not matter
    plan = sync(t, [UNKNOWN], 2)
    assert t.snap.rows[target]["intended_destination"] == "Apprenticeship"
    assert t.snap.responses["u1"].ref == target
    assert plan.review_updates[row.key] == ("2026-04-03", f"answers placed on {target}")
    [entry] = [e for e in plan.log if e.field == "Review"]
    assert (entry.ref, entry.source) == (target, "u1") and target in entry.note
    # Once resolved, never again: the next sync has nothing to do.
    assert sync(t, [UNKNOWN], 3).is_empty()


def test_new_starts_a_row_and_ignore_puts_the_response_aside_for_good() -> None:
    t = MemoryTracker()
    other = RawResponse("u2", START, answers(None, reference="", dob="", name="Kit Vale",
                                             email="kit@example.org"), "test")
    sync(t, [UNKNOWN, other], 1)
    first, second = sorted((i for i in t.review_rows if i.kind == "No match"),  # type: ignore[attr-defined]
                           key=lambda i: i.response_id)
    t.type_resolution(first.key, "New")
    t.type_resolution(second.key, " ignore ")
    plan = sync(t, [UNKNOWN, other], 2)
    [new] = plan.new_rows
    assert new.values["forename"] == "Robin" and new.source.startswith("Form A")
    assert t.snap.responses["u2"].outcome == "ignored"
    assert not any(r.get("forename") == "Kit" for r in t.snap.rows.values())
    assert {k for k, (done, _) in plan.review_updates.items() if done} == {first.key, second.key}
    assert sync(t, [UNKNOWN, other], 3).is_empty()


def test_an_impossible_resolution_stays_open_with_the_reason_said_once() -> None:
    t = MemoryTracker()
    sync(t, [UNKNOWN], 1)
    row = item(t, "No match")
    t.type_resolution(row.key, "OAK-9999")
    plan = sync(t, [UNKNOWN], 2)
    resolved, why = plan.review_updates[row.key]
    assert resolved == "" and why.startswith(NOT_DONE) and "OAK-9999" in why
    assert t.snap.responses["u1"].outcome == "review"
    assert sync(t, [UNKNOWN], 3).is_empty()  # the same reason is not written again
    t.type_resolution(row.key, ROSTER[0].ref)  # fixed by staff: now carried out
    assert sync(t, [UNKNOWN], 4).review_updates[row.key][0] == "2026-04-05"


def test_accept_on_a_forwarded_link_applies_it_to_the_named_student() -> None:
    t = MemoryTracker()
    s = ROSTER[0]
    fwd = RawResponse("f1", START, answers(None, reference=s.ref, name="Morgan Price",
                                           dob="2007-12-25"), "test")
    sync(t, [fwd], 1)
    row = item(t, FORWARDED)
    assert t.snap.rows[s.ref].get("intended_destination", "") == ""
    t.type_resolution(row.key, "accept")
    sync(t, [fwd], 2)
    assert t.snap.rows[s.ref]["intended_destination"] == "University"


def test_accept_on_a_possible_match_and_on_an_ordinary_row() -> None:
    t = MemoryTracker()
    s = ROSTER[2]
    near = RawResponse("n1", START, answers(None, reference="", name=f"{s.forename}x Exampel",
                                            dob=s.dob, email="near@example.org"), "test")
    sync(t, [near], 1)
    row = item(t, "Possible match")
    unclear = RawResponse("c1", START, answers(ROSTER[0], dob="31/02/2008"), "test")
    sync(t, [near, unclear], 2)
    other = item(t, "Unclear answer")
    t.type_resolution(row.key, "accept")
    t.type_resolution(other.key, "accept")
    plan = sync(t, [near, unclear], 3)
    assert t.snap.responses["n1"].ref == s.ref
    assert plan.review_updates[other.key] == ("2026-04-04", "accepted by staff")


def test_a_parked_response_is_placed_once_the_roster_has_the_student() -> None:
    t = MemoryTracker()
    stranger = RawResponse("s1", START, answers(None, reference="", leaving_year="2024"),
                           "test")
    sync(t, [stranger], 1)
    assert t.snap.responses["s1"].outcome == "review"
    added = student(9, forename="Robin", surname="Newcombe", dob="2008-03-03")
    sync(t, [stranger], 2, roster=[*ROSTER, added])
    assert t.snap.responses["s1"].ref == added.ref


typed = st.sampled_from(["", "new", "ignore", "accept", "OAK-1001", "OAK-1003", "oak-1002",
                         "OAK-0000", "nonsense"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["u", "f", "n", "c"]), st.integers(0, 30)),
                max_size=6), st.data())
def test_a_resolution_is_applied_exactly_once(
    shapes: list[tuple[str, int]], data: st.DataObject
) -> None:
    rs = []
    for i, (shape, day) in enumerate(shapes):
        s = ROSTER[i % 3]
        a = {"u": answers(None, reference="", dob="", name=f"Stray{i} Person"),
             "f": answers(None, reference=s.ref, name=f"Other{i} Person", dob="2007-12-25"),
             "n": answers(None, reference="", name=f"{s.forename}x Exampel", dob=s.dob,
                          email=f"n{i}@example.org"),
             "c": answers(s, dob="31/02/2008", destination="???")}[shape]
        rs.append(RawResponse(f"r{i}", START + timedelta(days=day), a, "test"))
    t = MemoryTracker()
    sync(t, rs, 40)
    for row in list(t.review_rows):
        t.type_resolution(row.key, data.draw(typed))  # type: ignore[attr-defined]
    plans = [sync(t, rs, day) for day in (41, 42, 43)]
    done_per_key: dict[str, int] = {}
    for plan in plans:
        for key, (resolved, _) in plan.review_updates.items():
            if resolved:
                done_per_key[key] = done_per_key.get(key, 0) + 1
        notes = [e.note for e in plan.log if e.field == "Review"]
        assert len(notes) == sum(1 for r, _ in plan.review_updates.values() if r)
    assert all(n == 1 for n in done_per_key.values()), done_per_key
    assert plans[-1].is_empty(), plans[-1].to_text()
    for rid, rec in t.snap.responses.items():
        assert rec.outcome in ("tracker", "superseded", "review", "ignored"), rid
