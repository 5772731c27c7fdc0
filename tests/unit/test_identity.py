"""A reference is evidence, not proof: a forwarded link never writes to the wrong row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destsync.domain.identity import FORWARDED, disagreement, dobs_agree, names_agree
from destsync.domain.model import RawResponse
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, answers, at, student
from tests.fakes import MemoryTracker

ROSTER = [student(n) for n in range(1, 5)]
START = at(2026, 4, 1)


@pytest.mark.parametrize(("a", "b"), [
    (("Alexandra", "Okafor"), ("Alex", "Okafor")),
    (("William", "Hart"), ("Bill", "Hart")),
    (("Zoë", "O'Rourke"), ("zoe", "o rourke")),
    (("Jordan", "Smith-Jones"), ("Jordan", "Jones")),
    (("Jordan", "Okafor"), ("Jordna", "Okafor")),  # a typo in the forename
    (("Jordan", "Okafor"), ("Jordan", "Okafro")),  # a typo in the surname
    (("Jordan", "Okafor"), ("Okafor", "Jordan")),
    (("Priya", "Shah"), ("", "")),  # nothing given cannot disagree
])
def test_names_within_normal_variation_agree(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert names_agree(*a, *b) or not any(b)
    assert disagreement({"forename": a[0], "surname": a[1]}, *b, "") == ""


@pytest.mark.parametrize(("a", "b"), [
    (("Alexandra", "Okafor"), ("Morgan", "Price")),
    (("Jordan", "Okafor"), ("Jordan", "Price")),  # a sibling's friend, same forename
    (("Jordan", "Okafor"), ("Casey", "Okafor")),  # a sibling
])
def test_different_people_disagree(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert not names_agree(*a, *b)


def test_a_slip_in_the_date_of_birth_agrees_a_different_date_does_not() -> None:
    assert dobs_agree("2008-03-04", "2008-04-03")  # day and month swapped
    assert dobs_agree("2008-03-14", "2008-03-15")
    assert dobs_agree("2008-03-14", "2007-03-14")  # one digit
    assert not dobs_agree("2008-03-14", "2009-11-02")
    row = {"forename": "Jordan", "surname": "Okafor", "dob": "2008-03-14"}
    assert disagreement(row, "Jordan", "Okafor", "2009-11-02") == "the date of birth"
    assert disagreement(row, "Casey", "Price", "2009-11-02") == "the name and the date of birth"
    assert disagreement(row, "Jordan", "Okafor", "") == ""


def _forwarded(s_ref: str, n: int, when_days: int = 5) -> RawResponse:
    a = answers(None, reference=s_ref, name=f"Morgan Stranger{n}", dob="2007-12-25",
                email=f"stranger{n}@example.org", phone="07700 900999")
    return RawResponse(f"fwd{n}", START + timedelta(days=when_days), a, "test")


def test_a_forwarded_link_writes_nothing_to_the_row_and_shows_both_people() -> None:
    t = MemoryTracker()
    s = ROSTER[0]
    t.apply(plan_sync(t.read(), ROSTER, [], CTX, START))
    plan = plan_sync(t.read(), ROSTER, [_forwarded(s.ref, 1)], CTX, START + timedelta(days=6))
    assert [c for c in plan.changes if c.ref == s.ref] == []
    assert plan.new_rows == []
    [item] = [r for r in plan.review if r.kind == FORWARDED]
    assert item.ref == s.ref and item.response_id == "fwd1"
    assert s.forename in item.tracker_value and "born " + s.dob in item.tracker_value
    assert "Morgan Stranger1" in item.form_value and "s***@e***.org" in item.form_value
    assert "stranger1@example.org" not in item.form_value
    assert "nothing was written" in item.action
    assert plan.responses[0].outcome == "review"


def test_a_nickname_through_the_students_own_link_still_places() -> None:
    t = MemoryTracker()
    s = student(1, forename="Alexandra", surname="Okafor")
    a = answers(s, name="alex okafor")
    plan = plan_sync(t.read(), [s], [RawResponse("r1", START, a, "test")], CTX,
                     START + timedelta(days=1))
    assert [r.kind for r in plan.review if r.kind == FORWARDED] == []
    assert plan.new_rows[0].values.get("email") == "alexandra@example.org"


contact = st.sampled_from(["email", "phone"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 300)), max_size=6),
       st.booleans())
def test_a_forwarded_link_never_changes_another_students_contact_details(
    links: list[tuple[int, int]], own_first: bool
) -> None:
    t = MemoryTracker()
    own = [RawResponse(f"own{i}", START, answers(s), "test") for i, s in enumerate(ROSTER)]
    t.apply(plan_sync(t.read(), ROSTER, own if own_first else [], CTX, START))
    before = {ref: (row.get("email", ""), row.get("phone", ""))
              for ref, row in t.snap.rows.items()}
    fwd = [_forwarded(ROSTER[i].ref, n, days) for n, (i, days) in enumerate(links)]
    inputs = (own if own_first else []) + fwd
    for days in (301, 302):
        t.apply(plan_sync(t.read(), ROSTER, inputs, CTX, START + timedelta(days=days)))
    for ref, contacts in before.items():
        assert (t.snap.rows[ref].get("email", ""), t.snap.rows[ref].get("phone", "")) \
            == contacts, ref
    assert all("stranger" not in (row.get("email") or "") for row in t.snap.rows.values())


def test_a_placeholder_name_is_no_evidence_either_way() -> None:
    assert disagreement({"forename": "Jordan", "surname": "Okafor"}, "X", "", "") == ""
