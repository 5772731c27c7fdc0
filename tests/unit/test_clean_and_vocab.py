"""Clean text (invisible characters out, and said so; names ending in an emoji) and one
vocabulary (Other (specify) through the synonyms; the NCCIS code follows the destination)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from destsync.domain import names, vocab
from destsync.domain import normalize as n
from destsync.domain.model import RawResponse
from destsync.domain.nccis_follow import KIND
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, answers, at, student
from tests.fakes import MemoryTracker

S = student(1)
START = at(2026, 5, 1)


def test_invisible_characters_leave_names_and_emails_and_review_says_so() -> None:
    a = answers(S, name=f"{S.forename}\u200b {S.surname}\u202e",
                email="test\u200bnamec@example.org\ufeff")
    plan = plan_sync(MemoryTracker().read(), [S], [RawResponse("r1", START, a, "t")], CTX,
                     START + timedelta(days=1))
    [row] = plan.new_rows
    assert row.values["email"] == "testnamec@example.org"
    noted = {i.field for i in plan.review if "Invisible characters" in i.action}
    assert noted == {"name", "email"}


@given(st.text())
def test_no_control_or_invisible_character_survives_cleaning(text: str) -> None:
    cleaned = n.clean_text(text)
    assert not n.INVISIBLE.search(cleaned)
    assert all(not (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) for c in cleaned)


def test_one_word_names_and_trailing_emoji_split_sensibly() -> None:
    assert names.split_name("Cher") == ("Cher", "")
    assert names.split_name("Jo Bloggs 🎓") == ("Jo", "Bloggs")
    assert names.split_name("Madonna ✨") == ("Madonna", "")


def test_other_specify_goes_through_the_synonyms() -> None:
    gap = vocab.parse_destination("Other (specify): gap year")
    assert gap is not None and (gap.label, gap.nccis) == ("Gap year", 260)
    other = vocab.parse_destination("Other: working on a farm")
    assert other is not None and other.nccis == 810


def test_the_nccis_code_follows_a_staff_destination_and_a_form_cannot_drift_it() -> None:
    t = MemoryTracker()
    t.apply(plan_sync(t.read(), [S], [], CTX, START))
    t.staff_edit(S.ref, "intended_destination", "Apprenticeship")
    later = RawResponse("r1", START + timedelta(days=2), answers(S), "t")  # says University
    plan = plan_sync(t.read(), [S], [later], CTX, START + timedelta(days=3))
    t.apply(plan)
    row = t.snap.rows[S.ref]
    assert (row["intended_destination"], row["intended_nccis"]) == ("Apprenticeship", "310")


def test_staff_typing_a_code_that_disagrees_is_on_review_and_left_alone() -> None:
    t = MemoryTracker()
    t.apply(plan_sync(t.read(), [S], [], CTX, START))
    t.staff_edit(S.ref, "actual_destination", "Apprenticeship")
    t.staff_edit(S.ref, "actual_nccis", "240")
    plan = plan_sync(t.read(), [S], [], CTX, START + timedelta(days=3))
    [item] = [i for i in plan.review if i.kind == KIND]
    assert (item.tracker_value, item.form_value) == ("240", "310")
    assert not [c for c in plan.changes if c.column == "actual_nccis"]


def test_a_long_answer_is_flagged_and_kept_whole_in_the_change_log_once() -> None:
    essay = "I will be studying " + "physics and more " * 60
    t = MemoryTracker()
    rs = [RawResponse("r1", START, answers(S, course=essay), "t")]
    plan = plan_sync(t.read(), [S], rs, CTX, START + timedelta(days=1))
    t.apply(plan)
    assert len(plan.new_rows[0].values["intended_course"]) <= 500
    [whole] = [e for e in plan.log if e.field == "course"]
    assert whole.new == n.clean_text(essay, 10_000) and whole.ref == S.ref
    assert any(i.field == "course" and "characters long" in i.action for i in plan.review)
    again = plan_sync(t.read(), [S], rs, CTX, START + timedelta(days=2))
    assert [e for e in again.log if e.field == "course"] == []
