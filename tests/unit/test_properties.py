"""Hypothesis properties for the core invariants of a sync:

- a second sync with no new input changes nothing;
- a cell a person edited is never changed by destsync (consent erasure aside);
- every response ends up in the tracker or on the Review tab;
- a student whose last answer to the consent question is "No" has no contact details kept.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destsync.domain.answers import CONTACT_KEYS
from destsync.domain.model import COLUMNS, RawResponse
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, answers, at, student
from tests.fakes import MemoryTracker

ROSTER = [student(n) for n in range(1, 5)]
START = at(2026, 4, 1)
MERGED_COLUMNS = [c.key for c in COLUMNS if c.owner == "destsync" and c.key != "ref"]

messy = st.sampled_from(
    [
        "",
        "University",
        "uni",
        "Apprenticeship",
        "College",
        "???",
        "=1+1",
        "+1-2",
        "31/02/2008",
        "not telling",
        "x" * 300,
        "🎓",
        "No",
        "Yes",
        "Other (specify)",
    ]
)


@st.composite
def responses(draw: st.DrawFn, prefix: str) -> list[RawResponse]:
    out = []
    for i in range(draw(st.integers(0, 8))):
        who = draw(st.sampled_from([*ROSTER, None]))
        a = answers(who)
        for key in draw(st.sets(st.sampled_from(sorted(a)), max_size=4)):
            a[key] = draw(messy)
        when = START + timedelta(days=draw(st.integers(0, 700)), minutes=i)
        out.append(RawResponse(f"{prefix}{i}", when, a, "hypothesis"))
    return out


def run(t: MemoryTracker, rs: list[RawResponse], days: int = 720):  # type: ignore[no-untyped-def]
    plan = plan_sync(t.read(), ROSTER, rs, CTX, START + timedelta(days=days))
    t.apply(plan)
    return plan


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(responses("a"))
def test_a_second_sync_with_the_same_input_changes_nothing(rs: list[RawResponse]) -> None:
    t = MemoryTracker()
    run(t, rs)
    again = plan_sync(t.read(), ROSTER, rs, CTX, START + timedelta(days=720))
    assert again.is_empty(), again.to_text()


@SETTINGS
@given(responses("a"), responses("b"), st.data())
def test_a_staff_edit_is_never_overwritten(
    first: list[RawResponse], second: list[RawResponse], data: st.DataObject
) -> None:
    t = MemoryTracker()
    run(t, first, days=300)
    edits = {}
    for ref in data.draw(st.sets(st.sampled_from(sorted(t.snap.rows)), max_size=3)):
        col = data.draw(st.sampled_from(MERGED_COLUMNS))
        value = data.draw(st.sampled_from(["Staff typed this", "", "=SUM(A1)"]))
        if t.snap.rows[ref].get(col, "") == value:
            continue  # typing the value that is already there is not an edit
        t.staff_edit(ref, col, value)
        edits[(ref, col)] = value
    run(t, first + second)
    run(t, first + second)
    for (ref, col), value in edits.items():
        # A refusal erases contact details whoever typed them; a later "Yes" brings the
        # form's back (logged with source "consent"): consent erasure aside, as said above.
        erased = col in CONTACT_KEYS and (t.snap.rows[ref].get("consent") == "No" or any(
            e.ref == ref and e.field == col and e.source == "consent"  # type: ignore[attr-defined]
            for e in t.log_rows))
        if not erased:
            assert t.snap.rows[ref][col] == value, (ref, col)


@SETTINGS
@given(responses("a"), responses("b"))
def test_every_response_ends_in_the_tracker_or_on_review(
    first: list[RawResponse], second: list[RawResponse]
) -> None:
    t = MemoryTracker()
    run(t, first, days=300)
    run(t, first + second)
    reviewed = {item.response_id for item in t.review_rows}  # type: ignore[attr-defined]
    for r in first + second:
        rec = t.snap.responses.get(r.response_id)
        assert rec is not None, r.response_id
        if rec.outcome in ("tracker", "superseded"):
            assert rec.ref in t.snap.rows
        else:
            assert rec.outcome == "review" and r.response_id in reviewed


@SETTINGS
@given(responses("a"), responses("b"))
def test_a_student_whose_last_word_is_no_has_no_contact_details_kept(
    first: list[RawResponse], second: list[RawResponse]
) -> None:
    t = MemoryTracker()
    run(t, first, days=300)
    run(t, first + second)
    for ref, row in t.snap.rows.items():
        if row.get("consent") == "No":
            assert (row.get("email", ""), row.get("phone", "")) == ("", ""), ref
    # Nor does the Change log keep any contact detail in the clear: history outlives
    # consent, so it is masked from the start.
    for e in t.log_rows:
        if e.field in CONTACT_KEYS:  # type: ignore[attr-defined]
            for v in (e.old, e.new):  # type: ignore[attr-defined]
                assert v in ("", "(erased)") or "***" in v, v
