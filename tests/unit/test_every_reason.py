"""Every reason shown: a response's field problems reach Review whether or not it found a
row, and a Possible match says what agrees and differs, never advising a merge when the
emails differ."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destsync.domain.answers import parse_response
from destsync.domain.model import RawResponse
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, answers, at, student
from tests.fakes import MemoryTracker

ROSTER = [student(1, forename="Jordan", surname="Okafor", dob="2008-03-14")]
START = at(2026, 4, 1)


def plan_for(*rs: RawResponse):  # type: ignore[no-untyped-def]
    return plan_sync(MemoryTracker().read(), ROSTER, list(rs), CTX, START + timedelta(days=1))


def test_an_unplaced_response_shows_its_bad_date_of_birth_not_no_date_of_birth() -> None:
    r = RawResponse("u1", START, answers(None, reference="", dob="31/02/2008"), "t")
    plan = plan_for(r)
    kinds = {(i.kind, i.field) for i in plan.review}
    assert ("No match", "identity") in kinds and ("Unclear answer", "dob") in kinds
    no_match = next(i for i in plan.review if i.kind == "No match")
    assert "no date of birth" not in no_match.form_value
    assert "readable date of birth" in no_match.action
    unclear = next(i for i in plan.review if i.field == "dob")
    assert unclear.form_value == "31/02/2008"


def test_a_possible_match_with_a_different_email_is_never_advised_to_merge() -> None:
    t = MemoryTracker()
    own = RawResponse("o1", START, answers(ROSTER[0]), "t")
    t.apply(plan_sync(t.read(), ROSTER, [own], CTX, START))
    near = RawResponse("n1", START + timedelta(days=1), answers(
        None, reference="", name="Jordann Okafor", dob="2008-03-14",
        email="someone.else@example.org"), "t")
    plan = plan_sync(t.read(), ROSTER, [own, near], CTX, START + timedelta(days=2))
    [item] = [i for i in plan.review if i.kind == "Possible match"]
    assert "differs: email" in item.tracker_value
    assert "agrees: date of birth, leaving year" in item.tracker_value
    assert "do not merge" in item.action and "accept" not in item.action


def test_a_possible_match_with_the_same_email_may_be_accepted() -> None:
    near = RawResponse("n1", START, answers(None, reference="", name="Jordann Okafor",
                                            dob="2008-03-14"), "t")
    [item] = [i for i in plan_for(near).review if i.kind == "Possible match"]
    assert "type accept" in item.action


messy = st.sampled_from(["", "31/02/2008", "next tuesday", "not telling", "???", "=1+1"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), messy, messy, messy), max_size=6))
def test_every_response_is_placed_or_on_review_with_every_reason(
    shapes: list[tuple[bool, str, str, str]],
) -> None:
    rs = []
    for i, (ours, dob, phone, start) in enumerate(shapes):
        a = answers(ROSTER[0] if ours else None, dob=dob, phone=phone, start_date=start)
        if not ours:
            a["name"] = f"Stray{i} Person"
        rs.append(RawResponse(f"r{i}", START + timedelta(minutes=i), a, "t"))
    t = MemoryTracker()
    plan = plan_sync(t.read(), ROSTER, rs, CTX, START + timedelta(days=1))
    t.apply(plan)
    on_review = {(i.response_id, i.field) for i in plan.review}
    for r in rs:
        rec = t.snap.responses[r.response_id]
        assert rec.outcome in ("tracker", "superseded", "review")
        for field, _ in parse_response(r, START.date()).problems:
            assert (r.response_id, field) in on_review, (r.response_id, field)
