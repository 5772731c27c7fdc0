"""The parse kept in ``_destsync_responses`` (``domain.parse_cache``): a plan that reuses it
is the plan a full parse gives, whatever the date, the roster or staff's edits; it never
holds a contact detail; a cell that does not fit the answers is ignored."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destsync.domain import normalize, parse_cache
from destsync.domain.answers import parse_response, stable_parse
from destsync.domain.model import RawResponse, TrackerSnapshot
from destsync.domain.plan import Plan
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, answers, at, response, student
from tests.fakes import MemoryTracker
from tests.unit.test_properties import MERGED_COLUMNS, ROSTER, START, messy

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = st.one_of(messy, st.text(max_size=30), st.sampled_from([
    "Jo.Bloggs@Example.ORG", "a@b", "x@xn--bcher-kva.example", "07700 900123",
    "+44 7700 900123", "020 7946 0000 ext 12", "mailto:jo@example.org", " jo@example.org ",
    "JO BLOGGS", "de la cruz, maria", "Sept 2026", "2025/26", "18 months", "L3", "Yes",
    "No, stop contacting me", "y" * 600, "jo\u200b@example.org"]))


@st.composite
def raw_responses(draw: st.DrawFn) -> RawResponse:
    a = answers(draw(st.sampled_from([*ROSTER, None])))
    for key in draw(st.sets(st.sampled_from(sorted(a)), max_size=6)):
        a[key] = draw(TEXT)
    return RawResponse("r1", START + timedelta(days=draw(st.integers(0, 900))), a, "test")


@SETTINGS
@given(raw_responses(), st.integers(0, 4000))
def test_a_kept_parse_completes_to_the_full_parse_on_any_day(raw: RawResponse,
                                                              days: int) -> None:
    today = date(2024, 1, 1) + timedelta(days=days)
    cell = parse_cache.encode(stable_parse(raw), raw.answers)
    reused, kept = parse_cache.parse(raw, cell, today, None)
    assert reused == parse_response(raw, today) and kept == cell
    for key in ("email", "phone"):  # a contact detail is never in the cell, as typed or read
        typed, read = raw.answers[key].strip(), getattr(parse_response(raw, today), key)
        elsewhere = [v for k, v in raw.answers.items() if k != key]
        for secret in (typed, read, read.lstrip("+")):
            if len(secret) >= 6 and not any(secret in v for v in elsewhere):
                assert secret not in cell, (key, cell)


def test_a_cell_for_other_answers_an_old_version_or_a_damaged_cell_is_parsed_again() -> None:
    raw = response("r1", at(2026, 5, 10), student(1))
    cell = parse_cache.encode(stable_parse(raw), raw.answers)
    other = dataclasses.replace(raw, answers={**raw.answers, "destination": "College"})
    today = date(2026, 6, 1)
    assert parse_cache.parse(other, cell, today, None)[0] == parse_response(other, today)
    old = cell.replace(f"[{parse_cache.VERSION},", "[0,", 1)
    for bad in (old, "[1,2", "{}", "[]", "null", '"x"', cell.replace("[", "{", 2)):
        assert parse_cache.decode(bad, raw.answers) is None, bad


def _without_parses(snap: TrackerSnapshot) -> TrackerSnapshot:
    snap.responses = {k: dataclasses.replace(r, parsed="") for k, r in snap.responses.items()}
    return snap


def _shape(plan: Plan, snap: TrackerSnapshot) -> dict[str, Any]:
    """The plan, its response records compared without their kept parse (a snapshot that
    kept none gets every parse written once; nothing else may differ)."""
    data = dataclasses.asdict(plan)
    old = {k: (r.submitted, r.outcome, r.ref) for k, r in snap.responses.items()}
    data["responses"] = sorted((r.response_id, r.submitted, r.outcome, r.ref)
                               for r in plan.responses
                               if old.get(r.response_id) != (r.submitted, r.outcome, r.ref))
    return data


@SETTINGS
@given(st.lists(raw_responses(), max_size=6), st.lists(raw_responses(), max_size=6),
       st.data())
def test_a_plan_with_kept_parses_is_the_plan_without_them(
    first: list[RawResponse], second: list[RawResponse], data: st.DataObject
) -> None:
    first = [dataclasses.replace(r, response_id=f"a{i}") for i, r in enumerate(first)]
    second = [dataclasses.replace(r, response_id=f"b{i}") for i, r in enumerate(second)]
    t = MemoryTracker()
    t.apply(plan_sync(t.read(), ROSTER, first, CTX, START + timedelta(days=300)))
    for ref in data.draw(st.sets(st.sampled_from(sorted(t.snap.rows) or ["-"]), max_size=3)):
        if ref in t.snap.rows:  # staff edits, consent and contact status among them
            col = data.draw(st.sampled_from([*MERGED_COLUMNS, "contact_status", "consent"]))
            t.staff_edit(ref, col, data.draw(st.sampled_from(
                ["Staff typed this", "", "No", "Yes", "Consent withdrawn", "2027"])))
    roster = data.draw(st.lists(st.sampled_from(ROSTER), unique_by=lambda s: s.ref))
    # Some answered again (same id, later lastSubmittedTime, other answers).
    edited = [dataclasses.replace(r, submitted=r.submitted + timedelta(days=1),
                                  answers={**r.answers, "consent": data.draw(messy)})
              for r in first if data.draw(st.booleans())]
    edited_ids = {r.response_id for r in edited}
    rs = [r for r in first if r.response_id not in edited_ids] + edited + second
    now = START + timedelta(days=data.draw(st.integers(300, 2500)))
    kept = t.read()
    with_cache = plan_sync(kept, roster, rs, CTX, now)
    without = plan_sync(_without_parses(t.read()), roster, rs, CTX, now)
    assert _shape(with_cache, kept) == _shape(without, kept)
    t.apply(with_cache)  # and the run after it, which reuses this run's parses
    kept = t.read()
    again = plan_sync(kept, roster, rs, CTX, now)
    assert _shape(again, kept) == _shape(plan_sync(_without_parses(t.read()), roster, rs,
                                                   CTX, now), kept)


def test_an_unchanged_response_is_not_parsed_again(monkeypatch: Any) -> None:
    rs = [response(f"r{n}", at(2026, 5, 10 + n), student(n)) for n in range(1, 4)]
    t = MemoryTracker()
    t.apply(plan_sync(t.read(), ROSTER, rs, CTX, at(2026, 6, 1)))
    assert all(r.parsed for r in t.snap.responses.values())
    calls: list[str] = []
    real = parse_cache.stable_parse
    monkeypatch.setattr(parse_cache, "stable_parse", lambda raw: calls.append(raw.response_id)
                        or real(raw))
    changed = dataclasses.replace(rs[0], submitted=at(2026, 5, 20),
                                  answers={**rs[0].answers, "destination": "College"})
    plan = plan_sync(t.read(), ROSTER, [changed, *rs[1:]], CTX, at(2026, 6, 2))
    assert calls == ["r1"]  # only the answer that changed
    assert plan.changes  # and it is merged


@given(st.from_regex(r"[A-Za-z0-9_+.-]{1,12}@[A-Za-z0-9.-]{1,12}", fullmatch=True))
def test_the_plain_address_shortcut_agrees_with_the_validator(text: str) -> None:
    try:
        expected: str | None = str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        expected = None
    assert normalize.parse_email.__wrapped__(text).value == expected
