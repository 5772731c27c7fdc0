"""Leaving points on plain values: how a cohort's point is read, the September Guarantee
record, which campaigns reach Year 11 and mid-year leavers, and the figures per point."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from destsync.adapters.roster_rows import roster_entries
from destsync.config.settings import DEFAULT_ROSTER_COLUMNS
from destsync.domain.calendar import DEFAULT_CHECKPOINTS, AcademicCalendar, results_day
from destsync.domain.campaigns import Audience, plan_campaigns
from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS
from destsync.domain.digest import build_digest
from destsync.domain.freezing import freezes_due
from destsync.domain.la_export import la_table
from destsync.domain.leaving import (
    OFFER_STATUSES,
    best_offer,
    parse_point,
    point_of,
    roster_year,
)
from destsync.domain.metrics import metrics_rows
from destsync.domain.model import APPLICATION_STATUSES, OPTIONAL_KEYS, TrackerSnapshot
from destsync.domain.reconcile import plan_academy
from destsync.domain.report import SUPPRESSED, build_tables
from destsync.domain.report_points import guarantee_tables
from destsync.errors import InputError
from tests.builders import CTX, at, student

CAL = AcademicCalendar({})
BY_KEY = {c.key: c for c in DEFAULT_CAMPAIGNS}


def row(ref: str, point: str = "", year: str = "2026", **kw: str) -> dict[str, str]:
    return {"ref": ref, "leaving_year": year, "leaving_point": point, **kw}


def test_a_leaving_point_is_read_however_it_is_typed() -> None:
    assert [parse_point(t) for t in ("", "Year 13", "year 11", "Y11", " 11 ", "Mid-year",
                                     "mid_year", "midyear")] == [
        "year13", "year13", "year11", "year11", "year11", "midyear", "midyear", "midyear"]
    assert parse_point("Year 12") is None


def test_the_roster_columns_are_optional_and_a_bad_value_is_one_clear_error() -> None:
    cols = DEFAULT_ROSTER_COLUMNS
    base = {"Admission number": "1", "Forename": "A", "Surname": "Example",
            "Date of birth": "01/03/2010", "Leaving year": "2027"}
    [old] = roster_entries(list(base), [base], cols, "OAK", "roster r.csv")
    assert (old.leaving_point, old.left_on) == ("year13", "")  # a roster from before
    mid = base | {"Leaving point": "Mid-year", "Left on": "10/02/2026"}
    [e] = roster_entries(list(mid), [mid], cols, "OAK", "roster r.csv")
    assert (e.leaving_point, e.left_on, roster_year(e, CAL)) == ("midyear", "2026-02-10", 2026)
    bad = base | {"Leaving point": "Year 12"}
    with pytest.raises(InputError, match="line 2: leaving point") as err:
        roster_entries(list(bad), [bad], cols, "OAK", "roster r.csv")
    assert "Example" not in str(err.value)  # no personal data in an error


@given(st.lists(st.fixed_dictionaries({
    "provider": st.sampled_from(["", "Riverside College", "Example Sixth Form"]),
    "status": st.sampled_from([*APPLICATION_STATUSES, "offer", ""]),
    "updated": st.sampled_from(["", "2026-03-01", "2026-08-20"])}), max_size=6))
def test_the_september_guarantee_offer_is_only_ever_an_offer(apps: list[dict[str, str]]) -> None:
    offers = [a for a in apps if a["provider"] and a["status"].casefold()
              in {s.casefold() for s in OFFER_STATUSES}]
    got = best_offer(apps)
    assert (got is None) == (not offers)
    if got is not None:
        assert got in {(a["provider"], a["updated"]) for a in offers}
        strongest = min(OFFER_STATUSES.index(next(s for s in OFFER_STATUSES
                                                   if s.casefold() == a["status"].casefold()))
                        for a in offers)
        assert any(a["provider"] == got[0] and a["status"].casefold()
                   == OFFER_STATUSES[strongest].casefold() for a in offers)


def test_an_offer_from_the_applications_tab_fills_the_record_and_a_staff_entry_stands() -> None:
    ada, bea = student(1, 2026, leaving_point="year11"), student(2, 2026, leaving_point="year11")
    snap = TrackerSnapshot()
    six = student(3, 2027)
    snap.rows = {ada.ref: row(ada.ref, "Year 11"), six.ref: row(six.ref, "", "2027"),
                 bea.ref: row(bea.ref, "Year 11", sg_offer="Typed by staff")}
    snap.applications = {
        "s1": {"ref": six.ref, "provider": "University of Example", "status": "Firm"},
        "a1": {"ref": ada.ref, "provider": "Riverside College", "status": "Rejected"},
        "a2": {"ref": ada.ref, "provider": "Example College", "status": "Firm",
               "updated": "2026-08-21"},
        "b1": {"ref": bea.ref, "provider": "Example College", "status": "Offer"},
    }
    plan = plan_academy(snap, [ada, bea, six], [], CTX, at(2026, 8, 25)).plan
    changed = {(c.ref, c.column): c.new for c in plan.changes}
    assert changed[(ada.ref, "sg_offer")] == "Example College"
    assert changed[(ada.ref, "sg_offer_date")] == "2026-08-21"
    assert (bea.ref, "sg_offer") not in changed
    assert (six.ref, "sg_offer") not in changed  # a sixth-former's offer is for after Y13
    assert [r.kind for r in plan.review if r.ref == bea.ref] == ["Conflict"]


def test_nothing_is_written_into_a_column_the_tracker_lacks() -> None:
    e = student(1, 2027, leaving_point="midyear", left_on="2026-02-10")
    snap = TrackerSnapshot()
    snap.rows = {e.ref: {"ref": e.ref, "leaving_year": "2026"}}
    snap.absent = set(OPTIONAL_KEYS)
    snap.applications = {"a": {"ref": e.ref, "provider": "Example College", "status": "Offer"}}
    plan = plan_academy(snap, [e], [], CTX, at(2026, 3, 1)).plan
    assert not {c.column for c in plan.changes} & OPTIONAL_KEYS
    assert not {col for _, col in plan.base_updates} & OPTIONAL_KEYS
    # Staff are told once why the roster's Year 11 and mid-year leavers count as Year 13.
    assert sorted((i.kind, i.field) for i in plan.review) == [
        ("Missing column", "Leaving point"), ("Missing column", "Left on")]
    snap.review_keys = {i.key for i in plan.review}
    assert plan_academy(snap, [e], [], CTX, at(2026, 3, 2)).plan.review == []


def test_form_b_and_the_follow_ups_reach_only_those_the_policy_names() -> None:
    y11 = student(1, 2027, leaving_point="year11")
    y13 = student(2, 2027)
    mid = student(3, 2027, leaving_point="midyear", left_on="2026-11-01")
    consent = {"email": "x@example.org", "consent": "Yes"}
    rows = {y11.ref: row(y11.ref, "Year 11", "2027", **consent),
            y13.ref: row(y13.ref, "", "2027", **consent),
            mid.ref: row(mid.ref, "Mid-year", "2027", **consent)}

    def due(day: date, campaign: str) -> set[str]:
        aud = Audience("OAK", (), CAL, rows, [y11, y13, mid], {})
        now = datetime.combine(day, datetime.min.time(), UTC)
        return {m.ref for m in plan_campaigns((BY_KEY[campaign],), aud, now).due}

    assert due(date(2027, 4, 22), "form_b") == {y13.ref}  # sixth-formers' parents only
    rd = results_day(2027)
    assert due(rd + timedelta(days=7), "autumn_check") == {y11.ref, y13.ref}
    # The third attempt (day 35 of the window) is the last within six weeks of results
    # day; after that only Year 13 leavers are still written to.
    assert due(rd + timedelta(days=7 + 35), "autumn_check") == {y11.ref, y13.ref}
    assert due(rd + timedelta(days=43), "autumn_check") <= {y13.ref}
    assert due(date(2028, 5, 1), "annual_survey") == {y13.ref}


def test_the_september_guarantee_share_and_each_points_figures() -> None:
    rows = [row(f"Y{n}", "Year 11", sg_offer="Example College" if n < 3 else "",
                intended_destination="College") for n in range(4)]
    rows += [row("T1", "", intended_destination="University")]
    out = metrics_rows("OAK", rows, {}, DEFAULT_CHECKPOINTS, CAL, 14, date(2026, 9, 1))
    by_cp = Counter(r[2] for r in out)
    assert by_cp["Intended destination"] == 1 and by_cp["Year 11: activity on 1 November"] == 1
    assert by_cp["Mid-year leavers: where they went"] == 0  # no such cohort: no row
    sg = next(r for r in out if r[2] == "Year 11: September Guarantee offer")
    header = ["Academy", "Leaving year", "Checkpoint", "Deadline", "Frozen on", "Late",
              "Leavers"]
    assert sg[:len(header)][-1] == "4"
    known_at = len(sg) - 7  # Known, % known, Validated, then the four sustained figures
    assert (sg[known_at], sg[known_at + 1]) == ("3", "75.0%")
    intended = next(r for r in out if r[2] == "Intended destination")
    assert intended[6] == "1"  # Year 13's counts leave the Year 11 leavers out


def test_the_next_deadline_for_a_year_11_cohort_is_the_september_guarantee() -> None:
    rows = {"Y1": row("Y1", "Year 11"), "Y2": row("Y2", "Year 11", sg_offer="Example College")}
    digest = build_digest(rows, {}, CAL, DEFAULT_CHECKPOINTS, datetime(2026, 9, 15, tzinfo=UTC),
                          0, 0, 0, ())
    assert digest["next_deadline"]["label"] == "Year 11: September Guarantee offer"
    assert (digest["next_deadline"]["missing"], digest["next_deadline"]["rows"]) == (1, 2)


def test_the_report_has_year_11_tables_with_small_numbers_hidden() -> None:
    rows = [row(f"Y{n}", "Year 11", sg_offer="Example College" if n < 7 else "",
                actual_destination="College") for n in range(9)]
    rows += [row(f"T{n}", "", actual_destination="University") for n in range(7)]
    year13 = build_tables({"OAK": rows})
    assert [(t.point, t.cohort["OAK"].count) for t in year13] == [("year13", 7)]
    [y11] = build_tables({"OAK": rows}, point="year11")
    assert y11.label == "Actual destination: Year 11 leavers of 2026"
    [sg] = guarantee_tables({"OAK": rows})
    assert sg.label == "September Guarantee: Year 11 leavers of 2026"
    offered, none = (sg.cells[(g, "OAK")] for g in sg.groups)
    assert (offered.text(), none.text(), offered.percent(sg.cohort["OAK"])) == (
        SUPPRESSED, SUPPRESSED, SUPPRESSED)  # 2 without an offer would give 7 away
    [small] = guarantee_tables({"OAK": rows[:4]})
    assert small.cohort["OAK"].text() == SUPPRESSED  # a cohort under 6 is withheld whole


def test_the_local_authority_file_for_year_11_has_the_year_13_form() -> None:
    rows = [row("Y1", "Year 11", actual_destination="College", actual_nccis="230"),
            row("T1", "", actual_destination="University", actual_nccis="240")]
    y11, y13 = la_table(rows, 2026, point="year11"), la_table(rows, 2026)
    assert y11[0] == y13[0]  # the same columns
    assert [(r[0], r[5]) for r in y11[1:]] == [("Y1", "230")]
    assert [(r[0], r[5]) for r in y13[1:]] == [("T1", "240")]


def test_the_digest_asks_where_a_mid_year_leaver_went_not_what_they_intend() -> None:
    rows = {"M1": row("M1", "Mid-year", left_on="2026-02-10"),
            "M2": row("M2", "Mid-year", left_on="2026-02-10", actual_destination="College",
                      actual_nccis="230")}
    digest = build_digest(rows, {}, CAL, DEFAULT_CHECKPOINTS, datetime(2026, 3, 2, tzinfo=UTC),
                          0, 0, 0, ())
    assert (digest["undecided"], digest["no_destination"]) == ([], ["M1"])


Y13_CPS = tuple(cp for cp in DEFAULT_CHECKPOINTS if cp.point == "year13")


@given(st.lists(st.tuples(st.sampled_from(["", "Year 11", "Mid-year"]),
                          st.sampled_from(["2025", "2026"]),
                          st.sampled_from(["", "College", "University", "Not known"])),
                max_size=8),
       st.dates(date(2026, 6, 1), date(2027, 9, 1)))
def test_each_leaver_is_in_their_own_points_returns_and_year_13_is_as_before(
        spec: list[tuple[str, str, str]], today: date) -> None:
    rows = {f"R{i}": row(f"R{i}", p, y, intended_destination=d, actual_destination=d)
            for i, (p, y, d) in enumerate(spec)}
    ctx = CTX
    freezes = freezes_due(TrackerSnapshot(), rows, ctx, today)
    point_of_cp = {cp.key: cp.point for cp in DEFAULT_CHECKPOINTS}
    for f in freezes:
        for line in f.rows:
            assert point_of(rows[line[3]]) == point_of_cp[f.checkpoint]
    # The Year 13 rows alone, under the Year 13 checkpoints alone, give the same Year 13
    # returns and Metrics rows: the other points change nothing of Year 13's.
    y13 = {r: v for r, v in rows.items() if point_of(v) == "year13"}
    only = replace(ctx, checkpoints=Y13_CPS)
    assert [f for f in freezes if point_of_cp[f.checkpoint] == "year13"] == freezes_due(
        TrackerSnapshot(), y13, only, today)
    labels = {cp.label for cp in Y13_CPS}
    assert [m for m in metrics_rows("OAK", rows.values(), {}, DEFAULT_CHECKPOINTS, CAL, 14,
                                    today) if m[2] in labels] == metrics_rows(
        "OAK", y13.values(), {}, Y13_CPS, CAL, 14, today)
