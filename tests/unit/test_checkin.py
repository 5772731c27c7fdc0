"""The termly check-in: parsing, matching like Form A, the Intended columns and the
Applications tab's three-way merge (issue 16)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from destsync.domain.checkin import app_key, parse_checkin, parse_status, slug
from destsync.domain.checkin_place import FORWARDED, MARKER, NO_MATCH
from destsync.domain.context import PlanContext
from destsync.domain.model import APPLICATION_STATUSES, RawResponse, RosterEntry
from destsync.domain.reconcile import plan_academy
from destsync.domain.vocab import parse_destination
from tests.builders import CTX, at, response, student
from tests.fakes import MemoryTracker

CHECKIN_CTX = PlanContext(CTX.academy_code, CTX.calendar, CTX.checkpoints, checkin_slots=3)
# A current student: leaves Year 13 in the summer of 2027; checks in during 2026.
S = student(1, leaving_year=2027)


def checkin(rid: str, when: datetime, s: RosterEntry = S, **kw: str) -> RawResponse:
    a = {"reference": s.ref, "name": f"{s.forename} {s.surname}", "dob": s.dob,
         "intended": "University", "app1_provider": "University of Example",
         "app1_course": "BSc Physics", "app1_level": "degree", "app1_status": "Applied"}
    a.update(kw)
    return RawResponse(rid, when, a, f"test {rid}")


def sync(t: MemoryTracker, checkins: list[RawResponse], now: datetime,
         responses: list[RawResponse] | None = None):  # type: ignore[no-untyped-def]
    planned = plan_academy(t.read(), [S], responses or [], CHECKIN_CTX, now,
                           checkins=checkins)
    t.apply(planned.plan)
    return planned.plan


KEY = app_key(S.ref, "University of Example", "BSc Physics")


def test_status_words_map_to_the_tabs_statuses() -> None:
    assert parse_status("conditional offer") == "Offer"
    assert parse_status("FIRM") == "Firm"
    assert parse_status("Unsuccessful") == "Rejected"
    assert parse_status("maybe") is None
    assert all(parse_status(s) == s for s in APPLICATION_STATUSES)


def test_a_slug_ignores_case_accents_and_punctuation() -> None:
    assert slug("King's College London") == slug("kings  college london") == \
        "kings-college-london"
    assert slug("Université") == "universite"


def test_an_unknown_status_is_kept_as_applied_with_a_problem() -> None:
    p = parse_checkin(checkin("c1", at(2026, 10, 1), app1_status="who knows"),
                      at(2026, 10, 1).date())
    assert p.applications[0].status == "Applied"
    assert [f for f, _ in p.problems] == ["app1_status"]


def test_a_check_in_adds_its_applications_and_the_intention() -> None:
    t = MemoryTracker()
    plan = sync(t, [checkin("c1", at(2026, 10, 1))], at(2026, 10, 2))
    assert [a.key for a in plan.app_rows] == [KEY]
    row = t.snap.applications[KEY]
    assert (row["ref"], row["status"], row["level"], row["updated"]) == \
        (S.ref, "Applied", "Level 6 (degree / degree apprenticeship)", "2026-10-01")
    assert t.snap.rows[S.ref]["intended_destination"] == "University"
    assert t.snap.rows[S.ref]["intended_updated"] == "2026-10-01"
    assert sync(t, [checkin("c1", at(2026, 10, 1))], at(2026, 10, 3)).is_empty()


def test_a_later_check_in_updates_the_status_and_a_firm_place_the_intention() -> None:
    t = MemoryTracker()
    sync(t, [checkin("c1", at(2026, 10, 1))], at(2026, 10, 2))
    later = checkin("c2", at(2027, 2, 1), app1_status="Firm")
    plan = sync(t, [checkin("c1", at(2026, 10, 1)), later], at(2027, 2, 2))
    assert [(c.field, c.old, c.new) for c in plan.app_changes if c.field == "status"] == \
        [("status", "Applied", "Firm")]
    assert t.snap.rows[S.ref]["intended_provider"] == "University of Example"


def test_a_staff_edit_of_an_application_stands_and_goes_to_review() -> None:
    t = MemoryTracker()
    sync(t, [checkin("c1", at(2026, 10, 1))], at(2026, 10, 2))
    t.snap.applications[KEY]["status"] = "Offer"  # staff heard from the university
    plan = sync(t, [checkin("c1", at(2026, 10, 1)),
                    checkin("c2", at(2026, 11, 1), app1_status="Rejected")], at(2026, 11, 2))
    assert t.snap.applications[KEY]["status"] == "Offer"
    assert [r.kind for r in plan.review if r.field.endswith("Status")] == ["Conflict"]


def test_a_row_staff_deleted_is_not_added_again() -> None:
    t = MemoryTracker()
    sync(t, [checkin("c1", at(2026, 10, 1))], at(2026, 10, 2))
    del t.snap.applications[KEY]
    assert not sync(t, [checkin("c1", at(2026, 10, 1))], at(2026, 10, 3)).app_rows


def test_a_forwarded_check_in_link_writes_nothing_and_goes_to_review() -> None:
    t = MemoryTracker()
    sync(t, [], at(2026, 9, 20))
    other = checkin("c1", at(2026, 10, 1), name="Jordan Stranger", dob="2007-12-25")
    plan = sync(t, [other], at(2026, 10, 2))
    assert not plan.app_rows and not t.snap.applications
    assert t.snap.rows[S.ref]["intended_destination"] == ""
    assert [r.kind for r in plan.review] == [FORWARDED]


def test_the_later_of_form_a_and_the_check_in_says_the_intention() -> None:
    t = MemoryTracker()
    form_a = response("f1", at(2026, 10, 5), S, destination="Apprenticeship",
                      leaving_year="2027")
    early = checkin("c1", at(2026, 10, 1))
    sync(t, [early], at(2026, 10, 6), [form_a])
    assert t.snap.rows[S.ref]["intended_destination"] == "Apprenticeship"
    # Form A is not read again (the Forms watermark): the older check-in still loses.
    assert not sync(t, [early], at(2026, 10, 7)).changes
    late = checkin("c2", at(2026, 11, 1))
    sync(t, [early, late], at(2026, 11, 2), [form_a])
    assert t.snap.rows[S.ref]["intended_destination"] == "University"
    assert t.snap.base[(S.ref, MARKER)] == late.submitted.isoformat()
    assert sync(t, [early, late], at(2026, 11, 3), [form_a]).is_empty()


def test_a_check_in_after_the_intended_deadline_leaves_the_intention_alone() -> None:
    t = MemoryTracker()
    sync(t, [checkin("c1", at(2027, 10, 1))], at(2027, 10, 2))
    assert t.snap.rows[S.ref]["intended_destination"] == ""
    assert KEY in t.snap.applications


statuses = st.sampled_from(APPLICATION_STATUSES)


@settings(max_examples=40, deadline=None)
@given(first=statuses, second=statuses, staff=st.one_of(st.none(), statuses))
def test_a_staff_edit_is_never_overwritten_and_a_second_sync_changes_nothing(
        first: str, second: str, staff: str | None) -> None:
    t = MemoryTracker()
    c1 = checkin("c1", at(2026, 10, 1), app1_status=first)
    sync(t, [c1], at(2026, 10, 2))
    if staff is not None:
        t.snap.applications[KEY]["status"] = staff
    c2 = checkin("c2", at(2026, 11, 1), app1_status=second)
    sync(t, [c1, c2], at(2026, 11, 2))
    expected = staff if staff is not None and staff != first else second
    assert t.snap.applications[KEY]["status"] == expected
    assert sync(t, [c1, c2], at(2026, 11, 3)).is_empty()


def forwarded_then_typed(text: str) -> tuple[MemoryTracker, list[RawResponse]]:
    t = MemoryTracker()
    sync(t, [], at(2026, 9, 20))
    answers = [checkin("c1", at(2026, 10, 1), name="Sam Stepsibling", dob="2007-12-25")]
    plan = sync(t, answers, at(2026, 10, 2))
    (item,) = plan.review
    t.type_resolution(item.key, text)
    return t, answers


def test_a_forwarded_check_in_accepted_on_review_is_placed_and_stays_placed() -> None:
    t, answers = forwarded_then_typed("accept")
    plan = sync(t, answers, at(2026, 10, 3))
    assert [a.key for a in plan.app_rows] == [KEY]
    assert [v for v in plan.review_updates.values()] == [("2026-10-03",
                                                          f"check-in placed on {S.ref}")]
    assert sync(t, answers, at(2026, 10, 4)).is_empty()  # read again: still placed there


def test_a_forwarded_check_in_ignored_on_review_is_never_placed() -> None:
    t, answers = forwarded_then_typed("ignore")
    assert not sync(t, answers, at(2026, 10, 3)).app_rows
    assert sync(t, answers, at(2026, 10, 4)).is_empty()


def test_new_cannot_start_a_row_from_a_check_in_and_the_row_stays_open_quietly() -> None:
    t, answers = forwarded_then_typed("new")
    plan = sync(t, answers, at(2026, 10, 3))
    (done,) = plan.review_updates.values()
    assert done[0] == "" and "cannot start a row" in done[1]
    assert sync(t, answers, at(2026, 10, 4)).is_empty()


def test_an_unmatched_check_in_goes_where_staff_type_its_ref() -> None:
    t = MemoryTracker()
    sync(t, [], at(2026, 9, 20))
    answers = [checkin("c1", at(2026, 10, 1), reference="", name="Pat Unknown")]
    (item,) = sync(t, answers, at(2026, 10, 2)).review
    assert item.kind == NO_MATCH
    t.type_resolution(item.key, S.ref.lower())
    assert [a.ref for a in sync(t, answers, at(2026, 10, 3)).app_rows] == [S.ref]


def test_an_erasure_forgets_where_staff_placed_a_check_in() -> None:
    from destsync.domain.erase_plan import plan_erase

    grids = {"Tracker": [["Ref"], [S.ref]],
             "_destsync_meta": [["Key", "Value"], ["checkin_placed|c1", S.ref],
                                ["checkin_placed|c2", "OAK-9999"]]}
    plan = plan_erase(S.ref, grids, {"ref": "Ref"}, [], "salt", True,
                      "2026-10-03T09:00:00+00:00", "run")
    assert plan.edits["_destsync_meta"].delete == [1]


def test_a_later_check_in_without_a_route_keeps_the_earlier_check_ins_intention() -> None:
    t = MemoryTracker()
    form_a = response("f1", at(2026, 10, 1), S, destination="Apprenticeship",
                      leaving_year="2027")
    said = [checkin("c1", at(2026, 10, 5))]
    sync(t, said, at(2026, 10, 6), [form_a])
    assert t.snap.rows[S.ref]["intended_destination"] == "University"
    said.append(checkin("c2", at(2026, 11, 1), intended="", app1_status="Offer"))
    sync(t, said, at(2026, 11, 2), [form_a])
    assert t.snap.rows[S.ref]["intended_destination"] == "University"
    assert sync(t, said, at(2026, 11, 3), [form_a]).is_empty()


ROUTES = ("University", "Apprenticeship", "College", "Employment")


@settings(max_examples=60, deadline=None)
@given(events=st.lists(st.tuples(st.sampled_from(["form", "checkin"]),
                                 st.integers(0, 40 * 24), st.sampled_from(ROUTES)),
                       min_size=1, max_size=6, unique_by=lambda e: e[1]),
       incremental=st.booleans())
def test_the_latest_of_form_a_and_the_check_in_says_the_intention_and_stays(
        events: list[tuple[str, int, str]], incremental: bool) -> None:
    """Whatever the order, one sync after each submission leaves the latest answer's
    route, and a second sync changes nothing; ``incremental`` reads Form A as Google
    does (only what is new), else as the CSV export is read (all of it, every run)."""
    t = MemoryTracker()
    forms: list[RawResponse] = []
    checkins: list[RawResponse] = []
    for n, (kind, day, route) in enumerate(sorted(events, key=lambda e: e[1])):
        when = at(2026, 9, 20) + timedelta(hours=day)  # the same day too, hours apart
        if kind == "form":
            forms.append(response(f"f{n}", when, S, destination=route, leaving_year="2027"))
        else:
            checkins.append(checkin(f"c{n}", when, intended=route))
        new = [r for r in forms if r.submitted >= when] if incremental else forms
        sync(t, checkins, when + timedelta(hours=1), new)
        said = parse_destination(route)
        assert said is not None and t.snap.rows[S.ref]["intended_destination"] == said.label
        assert sync(t, checkins, when + timedelta(hours=2), [] if incremental else forms
                    ).is_empty()
