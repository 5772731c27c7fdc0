"""The Change log as an audit trail: new rows, submissions set aside, staff edits, each
logged once with contact details masked; and one student's history read back."""

from __future__ import annotations

from datetime import timedelta

from destsync.domain.audit import NEW_ROW, SET_ASIDE, STAFF_EDIT, history
from destsync.domain.model import RawResponse
from destsync.domain.plan import LogEntry
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, answers, at, student
from tests.fakes import MemoryTracker

S = student(1)
START = at(2026, 5, 1)


def sync(t: MemoryTracker, rs: list[RawResponse], day: int) -> list[LogEntry]:
    plan = plan_sync(t.read(), [S], rs, CTX, START + timedelta(days=day))
    t.apply(plan)
    return plan.log


def test_a_first_sync_logs_every_new_row_with_contact_details_masked() -> None:
    t = MemoryTracker()
    log = sync(t, [RawResponse("r1", START, answers(S), "t")], 1)
    [entry] = [e for e in log if e.ref == S.ref and e.note == NEW_ROW]
    for header in ("Forename", "Date of birth", "Intended destination: University",
                   "Consent: Yes", "Personal email: t***@e***.org", "Phone: ",
                   "Parent/carer email: p***@e***.org"):
        assert header in entry.new, header
    assert "@example.org" not in entry.new and "900123" not in entry.new
    assert sync(t, [RawResponse("r1", START, answers(S), "t")], 2) == []


def test_an_earlier_submission_set_aside_is_logged_once_with_its_answers() -> None:
    t = MemoryTracker()
    first = RawResponse("r1", START, answers(S, destination="College"), "t")
    second = RawResponse("r2", START + timedelta(hours=2), answers(S), "t")
    log = sync(t, [first, second], 1)
    [entry] = [e for e in log if e.note == SET_ASIDE]
    assert (entry.ref, entry.source) == (S.ref, "r1")
    assert "destination: College" in entry.new and "@" not in entry.new
    assert [e for e in sync(t, [first, second], 2) if e.note == SET_ASIDE] == []


def test_a_staff_edit_is_logged_once_base_to_theirs_and_again_when_edited_again() -> None:
    t = MemoryTracker()
    rs = [RawResponse("r1", START, answers(S), "t")]
    sync(t, rs, 1)
    t.staff_edit(S.ref, "intended_provider", "Staff typed this")
    t.staff_edit(S.ref, "email", "staff.typed@example.org")
    edits = {e.field: e for e in sync(t, rs, 2) if e.note == STAFF_EDIT}
    assert edits["intended_provider"].old == "University of Example"
    assert edits["intended_provider"].new == "Staff typed this"
    assert edits["email"].new == "s***@e***.org"
    assert sync(t, rs, 3) == []
    t.staff_edit(S.ref, "intended_provider", "Changed again")
    assert [e.new for e in sync(t, rs, 4)] == ["Changed again"]


def test_history_is_oldest_first_and_shows_no_contact_details_or_names() -> None:
    rows = [
        {"When": "2026-06-01T09:00:00", "Ref": S.ref, "Field": "Intended destination",
         "Old": "", "New": "University", "Source": "r1", "Note": NEW_ROW},
        {"When": "2026-05-01T09:00:00", "Ref": S.ref, "Field": "Personal email", "Old": "",
         "New": "j***@e***.org", "Source": "r1", "Note": NEW_ROW},
        {"When": "2026-05-01T09:00:00", "Ref": S.ref, "Field": "Forename", "Old": "",
         "New": S.forename, "Source": "roster", "Note": NEW_ROW},
        {"When": "2026-05-02T09:00:00", "Ref": "OAK-9", "Field": "Notes", "Old": "",
         "New": "someone else", "Source": "staff", "Note": ""},
    ]
    lines = history(S.ref.lower(), rows)
    assert len(lines) == 3
    assert lines[-1].startswith("2026-06-01") and "University" in lines[-1]
    text = "\n".join(lines)
    assert "***" not in text and S.forename not in text and "(recorded)" in text
