"""The channel of consent evidence: a staff edit of Consent or Contact status is recorded
"via staff" with the day destsync saw it, the stop link "via stop link"; the form's
answers, re-read every run, do not flip it back; a newer Form A answer replaces a staff
Consent edit; a staff "Yes" alone lets destsync email only when the trust says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from destsync.domain.answers import STOP_ANSWER
from destsync.domain.campaigns import Audience
from destsync.domain.consent import channel_in, seen_in, staff_evidence
from destsync.domain.model import RawResponse
from destsync.domain.plan import Plan
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, at, response, student
from tests.fakes import MemoryTracker

S = student(1, leaving_year=2026)
REF = S.ref
CONSENT_CELLS = ("consent", "consent_date", "consent_evidence")


class Run:
    """One student's tracker over several syncs, staff edits in between."""

    def __init__(self, *answers: RawResponse) -> None:
        self.t = MemoryTracker()
        self.responses = list(answers)

    def sync(self, when: datetime) -> Plan:
        plan = plan_sync(self.t.read(), [S], self.responses, CTX, when)
        self.t.apply(plan)
        return plan

    def row(self) -> dict[str, str]:
        return self.t.snap.rows[REF]

    def cells(self) -> tuple[str, ...]:
        return tuple(self.row().get(c, "") for c in CONSENT_CELLS)


def touched(plan: Plan) -> list[tuple[str, str]]:
    return [(c.column, c.new) for c in plan.changes]


@pytest.mark.parametrize(("column", "value", "said", "what"), [
    ("consent", "Yes", "given", 'Consent "Yes"'),
    ("consent", "No", "refused", 'Consent "No"'),
    ("consent", "Withdrawn", "withdrawn", 'Consent "Withdrawn"'),
    ("contact_status", "Consent withdrawn", "withdrawn", 'Contact status "Consent withdrawn"'),
])
@pytest.mark.parametrize("answered", ["a Form A answer", "no response at all"])
def test_a_staff_edit_is_recorded_via_staff_and_three_syncs_do_not_flip_it(
        column: str, value: str, said: str, what: str, answered: str) -> None:
    # Staff's "Yes" overrides a form "No"; their refusals and withdrawals a form "Yes".
    form = response("r1", at(2026, 6, 10), S, consent="No" if value == "Yes" else "Yes")
    run = Run(form) if answered == "a Form A answer" else Run()
    run.sync(at(2026, 6, 11))
    if answered == "a Form A answer":
        assert channel_in(run.row()["consent_evidence"]) == "Form A"
    run.t.staff_edit(REF, column, value)
    first = run.sync(at(2026, 6, 20))
    evidence = run.row()["consent_evidence"]
    assert evidence == f"{said} via staff, wording n/a ({what}, seen 2026-06-20)"
    assert run.row()["consent_date"] == "2026-06-20"
    assert run.row()[column] == value  # the staff edit stands
    assert ("consent_evidence", evidence) in touched(first)
    assert any(e.field == "consent_evidence" and e.source == "staff" for e in first.log)
    settled = run.cells()
    for day in (21, 22, 23):
        again = run.sync(at(2026, 6, day))
        assert touched(again) == [] and again.log == []
        assert run.cells() == settled


def test_the_stop_link_is_recorded_via_stop_link() -> None:
    run = Run(response("r1", at(2026, 6, 10), S))
    run.sync(at(2026, 6, 11))
    run.responses.append(response("r2", at(2027, 5, 3), S, consent=STOP_ANSWER, email="",
                                  phone=""))
    run.sync(at(2027, 5, 4))
    assert run.row()["consent"] == "Withdrawn"
    assert run.row()["consent_evidence"].startswith("withdrawn via stop link (Form A response r2")
    assert channel_in(run.row()["consent_evidence"]) == "stop link"
    assert touched(run.sync(at(2027, 5, 5))) == []


def test_a_plain_form_no_is_refused_via_form_a() -> None:
    run = Run(response("r1", at(2026, 6, 10), S, consent="No"))
    run.sync(at(2026, 6, 11))
    assert run.row()["consent_evidence"].startswith("refused via Form A (Form A response r1")


@pytest.mark.parametrize(("staff", "form", "after"), [
    ("No", "Yes", "given via Form A"),  # the student consents again on the form
    ("Yes", STOP_ANSWER, "withdrawn via stop link"),  # a phoned-in Yes, then the stop link
])
def test_a_newer_form_answer_replaces_the_staff_edit_and_then_stays(
        staff: str, form: str, after: str) -> None:
    run = Run(response("r1", at(2026, 6, 10), S, consent="No" if staff == "Yes" else "Yes"))
    run.sync(at(2026, 6, 11))
    run.t.staff_edit(REF, "consent", staff)
    run.sync(at(2026, 6, 20))
    assert channel_in(run.row()["consent_evidence"]) == "staff"
    # An answer submitted on the day destsync saw the edit is not newer: the edit stands.
    run.responses.append(response("r2", at(2026, 6, 20, 8), S, consent=form))
    run.sync(at(2026, 6, 21))
    assert run.row()["consent"] == staff
    run.responses.append(response("r3", at(2026, 6, 25), S, consent=form))
    changed = run.sync(at(2026, 6, 26))
    assert run.row()["consent"] == ("Withdrawn" if form == STOP_ANSWER else form)
    assert run.row()["consent_evidence"].startswith(f"{after} (Form A response r3")
    assert ("consent", run.row()["consent"]) in touched(changed)
    if form == "Yes":
        assert run.row()["email"]  # the new consent's details are stored
    else:
        assert (run.row()["email"], run.row()["phone"]) == ("", "")
    settled = run.cells()
    for day in (27, 28):
        assert touched(run.sync(at(2026, 6, day))) == []
        assert run.cells() == settled


def test_a_typed_yes_that_the_first_form_answer_agrees_with_is_the_forms_from_the_start(
        ) -> None:
    run = Run()
    run.sync(at(2026, 6, 1))
    run.t.staff_edit(REF, "consent", "Yes")  # typed before destsync read any answer
    run.responses.append(response("r1", at(2026, 6, 10), S))
    run.sync(at(2026, 6, 11))
    assert run.row()["consent_evidence"].startswith("given via Form A (Form A response r1")
    assert touched(run.sync(at(2026, 6, 12))) == []


def test_a_staff_yes_does_not_undo_a_form_no() -> None:
    run = Run(response("r1", at(2026, 6, 10), S, consent="No"))
    run.sync(at(2026, 6, 11))
    run.t.staff_edit(REF, "consent", "Yes")
    run.t.staff_edit(REF, "email", "typed.by.staff@example.org")
    run.sync(at(2026, 6, 20))
    assert (run.row()["consent"], run.row()["email"]) == ("Yes", "")
    assert channel_in(run.row()["consent_evidence"]) == "staff"


def test_a_persons_own_evidence_or_date_stands_and_raises_no_conflict() -> None:
    run = Run(response("r1", at(2026, 6, 10), S))
    run.sync(at(2026, 6, 11))
    run.t.staff_edit(REF, "consent", "Withdrawn")
    run.t.staff_edit(REF, "consent_evidence", "phoned the office, 19 June")
    run.t.staff_edit(REF, "consent_date", "2026-06-19")
    plan = run.sync(at(2026, 6, 20))
    assert run.cells() == ("Withdrawn", "2026-06-19", "phoned the office, 19 June")
    assert not [r for r in plan.review if r.kind == "Conflict"]


def test_a_staff_yes_alone_lets_destsync_email_only_when_the_trust_says_so() -> None:
    staff_yes = {"consent": "Yes", "email": "a@example.org",
                 "consent_evidence": staff_evidence("Yes", 'Consent "Yes"', "2026-06-20")}
    form_yes = staff_yes | {"consent_evidence": "given via Form A (Form A response r1, x)"}
    aud = Audience("OAK", (), CTX.calendar, {}, (), {}, frozenset())
    assert not aud.contact_consented(staff_yes)
    assert aud.contact_consented(form_yes)
    assert replace(aud, staff_counts=True).contact_consented(staff_yes)


def test_the_seen_day_is_read_back_from_the_evidence() -> None:
    text = staff_evidence("No", 'Consent "No"', "2026-06-20")
    assert (seen_in(text), channel_in(text)) == ("2026-06-20", "staff")
    assert seen_in("given via Form A (Form A response r1, seen 2026-01-01 x)") == ""


# -- the property: over any mix of staff edits, answers and syncs ----------------------

STAFF_EDITS = st.sampled_from([("consent", "Yes"), ("consent", "No"),
                               ("consent", "Withdrawn"), ("consent", ""),
                               ("contact_status", "Consent withdrawn"),
                               ("contact_status", "")])
ANSWERS = st.sampled_from(["Yes", "No", STOP_ANSWER, ""])
STEPS = st.lists(st.one_of(st.tuples(st.just("staff"), STAFF_EDITS),
                           st.tuples(st.just("answer"), ANSWERS)), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(steps=STEPS, first=ANSWERS)
def test_the_channel_is_stable_under_resyncs_and_a_staff_edit_is_never_overwritten(
        steps: list[tuple[str, object]], first: str) -> None:
    run = Run(response("r0", at(2026, 6, 1), S, consent=first))
    day = 2
    run.sync(at(2026, 6, day))
    for kind, what in steps:
        day += 1
        newer = False
        if kind == "staff":
            column, value = what  # type: ignore[misc]
            run.t.staff_edit(REF, column, value)
        else:
            run.responses.append(response(f"r{day}", at(2026, 6, day), S, consent=str(what)))
            newer = str(what) != ""
        staff_before = run.row()["consent"]
        stood = staff_before != run.t.snap.base.get((REF, "consent"), "")
        run.sync(at(2026, 6, day))
        if stood and staff_before in ("Yes", "No", "Withdrawn") and not newer:
            # On the day destsync first sees an edit, an answer of that day is not newer.
            assert run.row()["consent"] == staff_before, "a staff edit was overwritten"
            assert channel_in(run.row()["consent_evidence"]) == "staff"
        if stood and not newer:
            assert run.row()["consent"] == staff_before
        settled = run.cells(), run.row().get("email", "")
        for _ in range(2):  # re-syncs with nothing new change nothing
            day += 1
            again = run.sync(at(2026, 6, day))
            assert touched(again) == [], (kind, what)
            assert (run.cells(), run.row().get("email", "")) == settled
