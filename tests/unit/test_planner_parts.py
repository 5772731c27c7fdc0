"""The planner in parts: each decision can be called alone, and the whole runs once.

``plan_academy`` places responses, merges cells, erases contacts, plans the campaigns and
freezes returns in one pass; these tests pin each part's contract over plain data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from destsync.domain import parse_cache, placing
from destsync.domain.calendar import AcademicCalendar, Checkpoint
from destsync.domain.campaigns import message_id
from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS
from destsync.domain.context import PlanContext
from destsync.domain.erasure import RETENTION_KEYS, erase_rows, erased_keys, retention_over
from destsync.domain.freezing import freezes_due
from destsync.domain.merge import Merger
from destsync.domain.model import LedgerEntry, TrackerSnapshot
from destsync.domain.plan import Plan
from destsync.domain.reconcile import Contact, plan_academy
from tests.builders import CTX, at, response, student

SURVEY = tuple(c for c in DEFAULT_CAMPAIGNS if c.key == "annual_survey")


def alumnus(ref: str) -> dict[str, str]:
    return {"ref": ref, "forename": "Testname", "surname": "Example", "leaving_year": "2026",
            "email": f"{ref.lower()}@example.org", "consent": "Yes"}


def sent(key: str, day: date) -> LedgerEntry:
    ref = key.split("/")[2]
    return LedgerEntry(key, "sent", ref, "annual_survey",
                       datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat(),
                       message_id(key))


def test_one_pass_parses_each_response_once_and_merges_campaign_outcomes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # OAK-1001 had every survey attempt and never answered: its year 1 becomes not known
    # in the same pass that places OAK-1002's response.
    ledger = {k: sent(k, d) for k, d in (
        ("annual_survey/2027/OAK-1001/1", date(2027, 5, 1)),
        ("annual_survey/2027/OAK-1001/2", date(2027, 5, 15)),
        ("annual_survey/2027/OAK-1001/3", date(2027, 6, 5)),
    )}
    snap = TrackerSnapshot(rows={r: alumnus(r) for r in ("OAK-1001", "OAK-1002")},
                           ledger=ledger)
    calls: list[str] = []
    real = parse_cache.stable_parse

    def counting(raw):  # type: ignore[no-untyped-def]
        calls.append(raw.response_id)
        return real(raw)

    monkeypatch.setattr(parse_cache, "stable_parse", counting)
    s2 = student(2)
    responses = [response("r1", at(2027, 6, 20), s2, reference="OAK-1002")]
    out = plan_academy(snap, [], responses, CTX, at(2027, 6, 26), Contact(SURVEY))
    assert calls == ["r1"]  # parsed once, although the campaigns changed the plan
    assert [(o.ref, o.code) for o in out.camp.outcomes] == [("OAK-1001", 810)]  # no answer
    changed = {(c.ref, c.column): c.new for c in out.plan.changes}
    assert changed[("OAK-1001", "year1_nccis")] == "810"
    assert out.rows["OAK-1001"]["year1_nccis"] == "810"  # the rows reflect the outcome
    assert ("OAK-1002", "year1_destination") in changed


def test_a_campaign_outcome_never_overwrites_a_persons_edit() -> None:
    ledger = {k: sent(k, d) for k, d in (
        ("annual_survey/2027/OAK-1001/1", date(2027, 5, 1)),
        ("annual_survey/2027/OAK-1001/2", date(2027, 5, 15)),
        ("annual_survey/2027/OAK-1001/3", date(2027, 6, 5)),
    )}
    row = alumnus("OAK-1001") | {"year1_nccis": "staff typed"}
    snap = TrackerSnapshot(rows={"OAK-1001": row}, ledger=ledger,
                           base={("OAK-1001", "year1_nccis"): ""})
    out = plan_academy(snap, [], [], CTX, at(2027, 6, 26), Contact(SURVEY))
    assert ("OAK-1001", "year1_nccis") not in {(c.ref, c.column) for c in out.plan.changes}
    assert any(r.kind == "Conflict" and r.ref == "OAK-1001" for r in out.plan.review)


def test_placing_alone_matches_by_reference_and_starts_no_row() -> None:
    s = student(1)
    snap = TrackerSnapshot(rows={s.ref: {"ref": s.ref, "leaving_year": "2026"}})
    p = placing.place_responses(snap, [], [response("r1", at(2026, 8, 20), s)], CTX,
                                at(2026, 8, 21))
    assert p.new_refs == {}
    assert p.outcomes["r1"].ref == s.ref and p.outcomes["r1"].outcome == "tracker"
    assert p.current(s.ref, "intended_destination") == "University"


def test_merge_alone_respects_base_theirs_and_ours() -> None:
    plan = Plan(now="2026-08-21T09:00:00+00:00")
    m = Merger({("A", "course"): "Maths"}, plan, set())
    m.cell("A", "Maths", "course", "Physics", "r1")  # untouched since destsync wrote it
    m.cell("B", "Art", "course", "Physics", "r2")  # a person typed Art: never overwritten
    m.cell("C", "", "course", "", "r3")  # nothing to say
    assert [(c.ref, c.new) for c in plan.changes] == [("A", "Physics")]
    assert [r.ref for r in plan.review] == ["B"]
    m.cell("B", "Art", "course", "Physics", "r2")
    assert len(plan.review) == 1  # the same conflict is raised once


def test_erasure_alone_empties_contacts_and_logs_no_value() -> None:
    rows = {"A": {"email": "a@example.org", "phone": "07700900123", "parent_email": "p@x.org"}}
    plan = Plan(now="")
    erase_rows(["A"], set(), {"A"}, rows, {("A", "email"): "a@example.org"}, plan)
    assert {c.column: c.new for c in plan.changes} == {"email": "", "phone": ""}
    assert all(e.old == "(erased)" and "example" not in e.new for e in plan.log)
    assert plan.base_updates == {("A", "email"): ""}
    assert erased_keys("A", set(), {"A"}) == RETENTION_KEYS


def test_retention_ends_after_the_grace_period() -> None:
    cal = AcademicCalendar({})
    ends = cal.tracking_ends(2026)
    assert not retention_over(2026, cal, 180, ends)
    assert retention_over(2026, cal, 0, date.fromordinal(ends.toordinal() + 1))
    assert not retention_over(None, cal, 0, date(2100, 1, 1))


def test_freezing_alone_freezes_once_past_the_deadline() -> None:
    cp: Checkpoint = CTX.checkpoints[0]
    ctx = PlanContext("OAK", CTX.calendar, (cp,))
    deadline = ctx.calendar.deadline(cp, 2026)
    after = {"A": {"ref": "A", "leaving_year": "2026"}}
    assert freezes_due(TrackerSnapshot(), after, ctx, deadline) == []
    day_after = date.fromordinal(deadline.toordinal() + 1)
    [f] = freezes_due(TrackerSnapshot(), after, ctx, day_after)
    assert f.rows[0][-1] == "No destination recorded"
    assert freezes_due(TrackerSnapshot(frozen={(cp.key, 2026)}), after, ctx, day_after) == []
