"""The planner's rules, on plain values: no files, no fakes beyond a dict-backed tracker."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, at, response, student
from tests.fakes import MemoryTracker


def sync(tracker: MemoryTracker, roster, responses, now):  # type: ignore[no-untyped-def]
    plan = plan_sync(tracker.read(), roster, responses, CTX, now)
    tracker.apply(plan)
    return plan


def test_roster_students_become_rows_with_a_stable_ref() -> None:
    t = MemoryTracker()
    plan = sync(t, [student(1), student(2)], [], at(2026, 3, 1))
    assert [r.ref for r in plan.new_rows] == ["OAK-1001", "OAK-1002"]
    assert t.snap.rows["OAK-1001"]["forename"] == "TestnameB"
    assert t.snap.rows["OAK-1001"]["source"] == "Roster"


def test_a_response_before_the_autumn_deadline_fills_the_intended_columns() -> None:
    s = student(1)
    t = MemoryTracker()
    sync(t, [s], [response("r1", at(2026, 5, 10), s)], at(2026, 5, 11))
    row = t.snap.rows[s.ref]
    assert row["intended_destination"] == "University"
    assert row["intended_nccis"] == "240"
    assert row["intended_start_date"] == "2026-09-21"
    assert row["intended_duration"] == "36"
    assert row["actual_destination"] == ""
    assert row["email"] == "testnameb@example.org"
    assert row["phone"] == "+447700900123"
    assert row["consent"] == "Yes"


def test_a_response_in_october_fills_the_actual_columns() -> None:
    s = student(1)
    t = MemoryTracker()
    sync(
        t,
        [s],
        [response("r1", at(2026, 10, 20), s, destination="Apprenticeship")],
        at(2026, 10, 21),
    )
    assert t.snap.rows[s.ref]["actual_destination"] == "Apprenticeship"
    assert t.snap.rows[s.ref]["intended_destination"] == ""


def test_a_second_sync_with_no_new_input_plans_nothing() -> None:
    s = student(1)
    t = MemoryTracker()
    rs = [response("r1", at(2026, 5, 10), s)]
    sync(t, [s], rs, at(2026, 5, 11))
    again = plan_sync(t.read(), [s], rs, CTX, at(2026, 5, 12))
    assert again.is_empty(), again.to_text()


def test_a_staff_edit_is_kept_and_a_later_form_answer_becomes_a_conflict() -> None:
    s = student(1)
    t = MemoryTracker()
    sync(t, [s], [response("r1", at(2026, 5, 10), s)], at(2026, 5, 11))
    t.staff_edit(s.ref, "intended_provider", "Example Met University")
    later = response("r2", at(2026, 6, 1), s, provider="Northtown University")
    plan = sync(t, [s], [response("r1", at(2026, 5, 10), s), later], at(2026, 6, 2))
    assert t.snap.rows[s.ref]["intended_provider"] == "Example Met University"
    [conflict] = plan.conflicts
    assert conflict.tracker_value == "Example Met University"
    assert conflict.form_value == "Northtown University"
    # Raised once: the next run does not repeat it.
    again = plan_sync(t.read(), [s], [later], CTX, at(2026, 6, 3))
    assert again.conflicts == []


def test_an_unedited_cell_takes_the_newer_answer_and_the_change_is_logged() -> None:
    s = student(1)
    t = MemoryTracker()
    first = response("r1", at(2026, 5, 10), s)
    sync(t, [s], [first], at(2026, 5, 11))
    second = response("r2", at(2026, 6, 1), s, destination="College", level="A levels")
    plan = sync(t, [s], [first, second], at(2026, 6, 2))
    assert t.snap.rows[s.ref]["intended_destination"] == "College"
    assert ("intended_destination", "University", "College") in {
        (e.field, e.old, e.new) for e in plan.log
    }
    assert t.snap.responses["r1"].outcome == "superseded"
    assert t.snap.responses["r2"].outcome == "tracker"


def test_within_one_run_the_latest_submission_wins() -> None:
    s = student(1)
    t = MemoryTracker()
    older = response("old", at(2026, 5, 1), s, destination="College")
    newer = response("new", at(2026, 5, 20), s, destination="Apprenticeship")
    sync(t, [s], [newer, older], at(2026, 5, 21))  # order given must not matter
    assert t.snap.rows[s.ref]["intended_destination"] == "Apprenticeship"


def test_matching_falls_back_to_email_then_name_and_date_of_birth() -> None:
    s = student(1)
    t = MemoryTracker()
    sync(t, [s], [response("r1", at(2026, 5, 10), s)], at(2026, 5, 11))
    by_email = response("r2", at(2026, 5, 12), s, reference="", name="Someone Else")
    by_name = response("r3", at(2026, 5, 13), s, reference="", email="")
    plan = sync(t, [s], [by_email, by_name], at(2026, 5, 14))
    assert {r.response_id: r.ref for r in plan.responses} == {"r2": s.ref, "r3": s.ref}
    assert plan.new_rows == []


def test_a_near_match_goes_to_review_and_is_never_merged() -> None:
    s = student(1, surname="Ashdown")
    t = MemoryTracker()
    sync(t, [s], [], at(2026, 5, 1))
    typo = response(
        "r1",
        at(2026, 5, 10),
        s,
        reference="",
        email="other@example.org",
        name=f"{s.forename} Ashdowne",
    )
    plan = sync(t, [s], [typo], at(2026, 5, 11))
    [item] = plan.review
    assert item.kind == "Possible match"
    assert plan.new_rows == [] and plan.changes == []
    assert t.snap.responses["r1"].outcome == "review"
    # Staff can compare the two without opening the form: who answered, and who it may be.
    # The email masked: the row sits beside another student's name (issue 14).
    assert item.form_value == f"{s.forename} Ashdowne, born {s.dob}, left 2026, o***@e***.org"
    # The row has no email yet, so only the date of birth and leaving year can agree.
    assert item.tracker_value == (f"{s.ref}: {s.forename} Ashdown, born {s.dob} "
                                  "(agrees: date of birth, leaving year; differs: -)")


def test_a_stranger_from_the_current_cohort_gets_a_new_row_flagged_for_review() -> None:
    t = MemoryTracker()
    plan = sync(t, [], [response("r1", at(2026, 5, 10))], at(2026, 5, 11))
    [row] = plan.new_rows
    assert row.source.startswith("Form A")
    assert "Not on roster" in [i.kind for i in plan.review]
    # The next run finds the same row again instead of making another.
    again = plan_sync(t.read(), [], [response("r1", at(2026, 5, 10))], CTX, at(2026, 5, 12))
    assert again.is_empty(), again.to_text()


def test_a_stranger_from_an_old_cohort_goes_to_review_only() -> None:
    t = MemoryTracker()
    old = response("r1", at(2026, 5, 10), leaving_year="2019")
    plan = sync(t, [], [old], at(2026, 5, 11))
    assert plan.new_rows == []
    item, unclear = plan.review
    assert item.kind == "No match"
    assert item.form_value == "Robin Newcombe, born 2008-03-03, robin@example.org"
    # Why the leaving year was not taken is shown too, though the response has no row.
    assert (unclear.kind, unclear.field, unclear.form_value) == ("Unclear answer",
                                                                 "leaving_year", "2019")


def test_an_unplaced_refusal_shows_who_answered_but_not_their_email() -> None:
    t = MemoryTracker()
    old = response("r1", at(2026, 5, 10), leaving_year="2019", consent="No")
    item, _ = sync(t, [], [old], at(2026, 5, 11)).review
    assert item.form_value == "Robin Newcombe, born 2008-03-03"


def test_a_bad_field_is_skipped_and_explained_but_the_rest_is_used() -> None:
    s = student(1)
    t = MemoryTracker()
    bad = response("r1", at(2026, 5, 10), s, phone="call me maybe", start_date="31/02/2026")
    plan = sync(t, [s], [bad], at(2026, 5, 11))
    assert t.snap.rows[s.ref]["intended_destination"] == "University"
    assert t.snap.rows[s.ref]["phone"] == ""
    fields = sorted(i.field for i in plan.review if i.kind == "Unclear answer")
    assert fields == ["phone", "start_date"]
    assert all(i.action for i in plan.review)


def test_no_consent_means_no_contact_details_and_erases_stored_ones() -> None:
    s = student(1)
    t = MemoryTracker()
    sync(t, [s], [response("r1", at(2026, 5, 10), s)], at(2026, 5, 11))
    assert t.snap.rows[s.ref]["email"]
    t.staff_edit(s.ref, "phone", "+447700900999")  # even a number staff typed goes
    withdraw = response("r2", at(2026, 6, 1), s, consent="No")
    sync(t, [s], [withdraw], at(2026, 6, 2))
    row = t.snap.rows[s.ref]
    assert (row["email"], row["phone"], row["consent"]) == ("", "", "No")
    # And it stays erased on the next run.
    again = plan_sync(t.read(), [s], [withdraw], CTX, at(2026, 6, 3))
    assert again.is_empty(), again.to_text()


def test_the_erasure_leaves_no_trace_of_the_old_value_in_the_change_log() -> None:
    s = student(1)
    t = MemoryTracker()
    sync(t, [s], [], at(2026, 5, 1))  # the roster row exists before the first answer
    first = sync(t, [s], [response("r1", at(2026, 5, 10), s)], at(2026, 5, 11))
    email = t.snap.rows[s.ref]["email"]
    # The log keeps contact details masked from the start: it is history, and a student
    # may withdraw consent later.
    logged = [e for e in first.log if e.field == "email"]
    assert logged and all(email not in (e.old + e.new) for e in logged)
    plan = sync(t, [s], [response("r2", at(2026, 6, 1), s, consent="No")], at(2026, 6, 2))
    erased = [e for e in plan.log if e.field in ("email", "phone")]
    assert [(e.old, e.new, e.note) for e in erased] == [("(erased)", "", "erased: no consent")] * 2


def test_a_later_yes_outranks_an_earlier_no_but_does_not_revive_old_details() -> None:
    s = student(1)
    t = MemoryTracker()
    yes = response("r1", at(2026, 5, 10), s, email="first@example.org")
    no = response("r2", at(2026, 5, 20), s, consent="No")
    yes_again_bare = response("r3", at(2026, 6, 1), s, email="", phone="")
    sync(t, [s], [yes, no, yes_again_bare], at(2026, 6, 2))
    row = t.snap.rows[s.ref]
    assert (row["consent"], row["email"], row["phone"]) == ("Yes", "", "")
    yes_with_email = response("r4", at(2026, 6, 5), s, email="second@example.org")
    sync(t, [s], [yes, no, yes_again_bare, yes_with_email], at(2026, 6, 6))
    assert t.snap.rows[s.ref]["email"] == "second@example.org"


def test_contact_details_are_erased_when_the_tracking_period_and_grace_are_over() -> None:
    s = student(1, leaving_year=2026)
    t = MemoryTracker()
    sync(t, [s], [response("r1", at(2026, 5, 10), s)], at(2026, 5, 11))
    row = t.snap.rows[s.ref]
    assert row["email"] and row["phone"] and row["parent_email"]
    ends = date(2030, 3, 31) + timedelta(days=CTX.retention_grace_days)
    assert sync(t, [s], [], datetime.combine(ends, time(9), UTC)).changes == []
    plan = sync(t, [s], [], datetime.combine(ends + timedelta(days=1), time(9), UTC))
    row = t.snap.rows[s.ref]
    assert (row["email"], row["phone"], row["parent_email"]) == ("", "", "")
    assert row["intended_destination"] == "University"  # the anonymisable rest stays
    assert {(e.field, e.old, e.note) for e in plan.log} == {
        (c, "(erased)", "erased: tracking period over")
        for c in ("email", "phone", "parent_email")}
    # The roster still lists the parent's email; it does not come back, and an old
    # answer read again does not bring the student's back either.
    later = datetime.combine(ends + timedelta(days=30), time(9), UTC)
    again = plan_sync(t.read(), [s], [response("r1", at(2026, 5, 10), s)], CTX, later)
    assert again.is_empty(), again.to_text()


def test_returns_are_frozen_once_after_each_deadline() -> None:
    s = student(1, leaving_year=2026)
    t = MemoryTracker()
    sync(t, [s], [response("r1", at(2026, 5, 10), s)], at(2026, 5, 11))
    assert sync(t, [s], [], at(2026, 9, 11)).freezes == []  # week 2 ends Fri 11 Sep
    plan = sync(t, [s], [], at(2026, 9, 12))
    [f] = plan.freezes
    assert (f.checkpoint, f.leaving_year, f.late) == ("intended", 2026, False)
    assert f.rows[0][6] == "University"
    assert sync(t, [s], [], at(2026, 9, 13)).freezes == []
    plan = sync(t, [s], [], at(2027, 1, 1))
    assert [f.checkpoint for f in plan.freezes] == ["actual_unvalidated"]
    assert plan.freezes[0].rows[0][-1] == "No destination recorded"


def test_a_return_frozen_long_after_its_deadline_is_marked_late() -> None:
    t = MemoryTracker()
    plan = sync(t, [student(1, leaving_year=2026)], [], at(2026, 11, 1))
    [f] = plan.freezes
    assert f.late


def test_a_response_after_the_tracking_period_is_not_recorded() -> None:
    s = student(1, leaving_year=2020)
    t = MemoryTracker()
    plan = sync(t, [s], [response("r1", at(2026, 5, 10), s)], at(2026, 5, 11))
    assert "Outside tracking period" in [i.kind for i in plan.review]
    assert not any(
        c.startswith("year") and v
        for c, v in t.snap.rows[s.ref].items()
        if c.endswith("destination")
    )


def test_roster_changes_flow_into_cells_nobody_edited() -> None:
    s = student(1)
    t = MemoryTracker()
    sync(t, [s], [], at(2026, 3, 1))
    moved = student(1, parent_email="new.parent@example.org")
    plan = sync(t, [moved], [], at(2026, 3, 2))
    assert [(c.column, c.new) for c in plan.changes] == [("parent_email", "new.parent@example.org")]
