"""The framework's interventions, over small hand-built tracker rows and Applications:
who is named at each point of the Year 12/13 plan, and what the digest says to do."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from destsync.config.settings import load_config
from destsync.domain.calendar import AcademicCalendar, results_day
from destsync.domain.digest import build_digest
from destsync.domain.interventions import (
    GUARANTEE_KEY,
    SupportDates,
    flagged_today,
    interventions,
    support_first,
    year_group,
)
from destsync.domain.model import APPLICATION_STATUSES
from destsync.errors import ConfigError

CAL = AcademicCalendar({})
DATES = SupportDates()


def kinds(rows: dict[str, dict[str, str]], today: date,
          apps: dict[str, dict[str, str]] | None = None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in interventions(rows, apps or {}, CAL, DATES, today):
        out.setdefault(f.ref, set()).add(f.kind)
    return out


def app(ref: str, status: str, provider: str = "Northtown University") -> dict[str, str]:
    return {"ref": ref, "provider": provider, "course": "BA History", "level": "6",
            "status": status, "updated": "2027-01-10"}


def planning(**kw: str) -> dict[str, str]:
    return {"leaving_year": "2027", "intended_destination": "University",
            "intended_provider": "Northtown University", "intended_updated": "2025-10-01", **kw}


def test_year_groups_follow_the_contract() -> None:
    assert year_group({"leaving_year": "2027"}, 2025) == "Year 12"
    assert year_group({"leaving_year": "2027"}, 2026) == "Year 13"
    assert year_group({"leaving_year": "2027"}, 2027) == "Year 13 leavers"
    assert year_group({"leaving_year": "2027"}, 2028) == ""
    assert year_group({"leaving_year": "2027", "leaving_point": "year11"}, 2026) == "Year 11"
    assert year_group({"leaving_year": "2027", "leaving_point": "year11"}, 2025) == ""
    assert year_group({"leaving_year": "x"}, 2026) == ""


def test_no_intention_is_named_from_the_autumn_half_term_not_before() -> None:
    rows = {"OAK-1": {"leaving_year": "2027"}, "OAK-2": planning()}
    assert kinds(rows, date(2025, 10, 30)) == {}
    assert kinds(rows, date(2025, 10, 31)) == {"OAK-1": {"no_intention"}}
    # An intention that is only "not known" is not an intention.
    rows["OAK-2"] = planning(intended_destination="Situation not known", intended_nccis="810")
    assert kinds(rows, date(2025, 11, 3)) == {"OAK-1": {"no_intention"}, "OAK-2": {"no_intention"}}


def test_no_application_in_the_spring_then_no_offer_in_the_summer() -> None:
    rows = {"OAK-1": planning(), "OAK-2": planning(), "OAK-3": planning()}
    apps = {"a": app("OAK-2", "Applied"), "b": app("OAK-3", "Withdrawn")}
    assert kinds(rows, date(2027, 1, 30), apps) == {}
    spring = kinds(rows, date(2027, 1, 31), apps)
    assert spring == {"OAK-1": {"no_application"}, "OAK-3": {"no_application"}}
    apps["c"] = app("OAK-2", "Offer")
    summer = kinds(rows, date(2027, 6, 1), apps)
    assert summer == {"OAK-1": {"no_offer"}, "OAK-3": {"no_offer"}}
    # Year 12 apply next year: nobody asks them for applications.
    assert kinds({"OAK-9": planning(leaving_year="2028")}, date(2027, 2, 1)) == {}


def test_the_spring_deadline_is_the_trusts() -> None:
    rows = {"OAK-1": planning()}
    early = SupportDates(application_by="01-15")
    assert [f.kind for f in interventions(rows, {}, CAL, early, date(2027, 1, 16))] == [
        "no_application"]
    assert interventions(rows, {}, CAL, DATES, date(2027, 1, 16)) == []


def test_september_guarantee_for_year_11_leavers() -> None:
    row = {"leaving_year": "2027", "leaving_point": "year11"}
    assert kinds({"OAK-1": row}, date(2027, 9, 30)) == {}
    assert kinds({"OAK-1": row}, date(2027, 10, 1)) == {"OAK-1": {"no_guarantee"}}
    assert kinds({"OAK-1": {**row, GUARANTEE_KEY: "Riverside College"}}, date(2027, 10, 1)) == {}
    assert kinds({"OAK-1": {**row, GUARANTEE_KEY: "No"}}, date(2027, 10, 1)) == {
        "OAK-1": {"no_guarantee"}}
    assert kinds({"OAK-1": row}, date(2027, 10, 1), {"a": app("OAK-1", "Confirmed")}) == {}


def test_neet_codes_are_at_risk_and_others_are_not() -> None:
    rows = {"OAK-1": planning(intended_destination="Seeking work", intended_nccis="619"),
            "OAK-2": planning(intended_nccis="240"),
            "OAK-3": {"leaving_year": "2027", "actual_destination": "Young carer",
                      "actual_nccis": "620"}}
    assert kinds(rows, date(2025, 10, 1)) == {"OAK-1": {"neet_risk"}}
    assert kinds(rows, date(2027, 10, 1)) == {"OAK-1": {"neet_risk"}, "OAK-3": {"neet_risk"}}


def test_results_day_flags_a_firm_offer_not_confirmed_until_the_autumn_deadline() -> None:
    rd = results_day(2027)
    rows = {"OAK-1": planning(), "OAK-2": planning()}
    apps = {"a": app("OAK-1", "Firm"), "b": app("OAK-2", "Firm"), "c": app("OAK-2", "Confirmed")}
    assert kinds(rows, rd, apps) == {"OAK-1": {"firm_unconfirmed"}}
    assert flagged_today(rows, apps, CAL, rd) == ["OAK-1"]
    assert kinds(rows, CAL.autumn_week2_end(2027), apps) == {"OAK-1": {"firm_unconfirmed"}}
    assert kinds(rows, date(2027, 9, 13), apps) == {}


def test_a_results_day_change_of_plan() -> None:
    rd = results_day(2027)  # 19 August 2027
    before = planning()
    # Results day: the university place fell through, an apprenticeship instead.
    after = planning(intended_destination="Apprenticeship", intended_provider="Example Tech",
                     intended_updated=rd.isoformat())
    apps = {"a": app("OAK-1", "Firm")}
    assert kinds({"OAK-1": after}, rd, apps) == {"OAK-1": {"firm_unconfirmed", "plan_changed"}}
    # With no application on file, the change is seen against the row this run read.
    flags = interventions({"OAK-1": after}, {}, CAL, DATES, rd, {"OAK-1": before})
    assert [f.kind for f in flags] == ["plan_changed"]
    assert flags[0].group == "Year 13" and "careers interview" in flags[0].action
    later = rd.replace(day=rd.day + 3)
    assert flagged_today({"OAK-1": after}, {}, CAL, later, {"OAK-1": before}) == []
    # An unchanged answer after results day (the place confirmed) is no change.
    same = planning(intended_updated=rd.isoformat())
    assert kinds({"OAK-1": same}, rd, {"a": app("OAK-1", "Confirmed")}) == {}


def test_support_first_puts_flagged_students_first_and_keeps_order() -> None:
    rd = results_day(2027)
    rows = {r: planning() for r in ("OAK-1", "OAK-2", "OAK-3", "OAK-4")}
    apps = {"a": app("OAK-3", "Firm"), "b": app("OAK-4", "Firm")}
    order = ["OAK-1", "OAK-4", "OAK-2", "OAK-3", "OAK-9"]
    assert support_first(order, rows, apps, CAL, rd) == [
        "OAK-4", "OAK-3", "OAK-1", "OAK-2", "OAK-9"]
    assert support_first(order, rows, apps, CAL, date(2027, 10, 1)) == order


def test_the_digest_has_sections_per_year_group_with_actions_and_no_contact_details() -> None:
    rows = {"OAK-1": {"leaving_year": "2027", "email": "a@example.org", "forename": "Amara"},
            "OAK-2": {"leaving_year": "2028", "phone": "07700 900123"}}
    d = build_digest(rows, {}, CAL, (), datetime(2026, 11, 2, 9, tzinfo=UTC), 0, 0, 0, [])
    assert [s["group"] for s in d["support"]] == ["Year 12", "Year 13"]
    item = d["support"][0]["items"][0]
    assert item["refs"] == ["OAK-2"] and item["kind"] == "no_intention"
    assert "careers interview" in item["action"]
    assert "example.org" not in repr(d) and "07700" not in repr(d) and "Amara" not in repr(d)


statuses = st.lists(st.sampled_from(APPLICATION_STATUSES), max_size=4)
days = st.dates(date(2025, 9, 1), date(2028, 8, 31))


@given(statuses, days, st.sampled_from(["year13", "year11"]))
def test_a_confirmed_or_firm_offer_is_never_flagged_no_offer_or_no_application(
    more: list[str], today: date, point: str,
) -> None:
    rows = {"OAK-1": planning(leaving_point=point)}
    for firm in ("Firm", "Confirmed"):
        apps = {str(i): app("OAK-1", s) for i, s in enumerate([firm, *more])}
        got = kinds(rows, today, apps).get("OAK-1", set())
        assert not got & {"no_offer", "no_application", "no_guarantee"}


@given(statuses, days)
def test_only_results_day_window_raises_results_day_flags(more: list[str], today: date) -> None:
    rows = {"OAK-1": planning(intended_updated=today.isoformat(), intended_provider="Elsewhere")}
    apps = {str(i): app("OAK-1", s) for i, s in enumerate(["Firm", *more])}
    got = kinds(rows, today, apps).get("OAK-1", set())
    inside = results_day(2027) <= today <= CAL.autumn_week2_end(2027)
    assert bool(got & {"firm_unconfirmed", "plan_changed"}) == inside


def test_the_trusts_dates_come_from_the_config(tmp_path: Path) -> None:
    from tests.unit.test_config import GOOD, write

    cfg = load_config(write(tmp_path, GOOD + '[interventions]\napplication_by = "01-15"\n'))
    assert cfg.support == SupportDates(application_by="01-15")
    assert load_config(write(tmp_path, GOOD)).support == SupportDates()
    for bad in ('"15-01"', '"02-30"', '"January"'):
        with pytest.raises(ConfigError, match=r"interventions\.offer_by is .*, not a month"):
            load_config(write(tmp_path, GOOD + f"[interventions]\noffer_by = {bad}\n"))
    with pytest.raises(ConfigError, match=r"interventions\.spring"):
        load_config(write(tmp_path, GOOD + '[interventions]\nspring = "01-15"\n'))


def test_a_results_day_flag_gets_a_digest_the_same_day_as_well_as_the_weekly_one() -> None:
    from destsync.domain.campaigns import Audience, plan_campaigns
    from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS

    digest = next(c for c in DEFAULT_CAMPAIGNS if c.audience == "staff")
    rd = results_day(2027)  # a Thursday
    monday = rd.replace(day=rd.day - 3)
    rows = {"OAK-1": planning()}
    apps = {"a": app("OAK-1", "Firm")}

    def due(day: date, before: dict[str, dict[str, str]] | None = None,
            row: dict[str, str] | None = None) -> list[str]:
        aud = Audience("OAK", ("careers@example.org",), CAL, {"OAK-1": row or rows["OAK-1"]},
                       (), {}, None, apps, before or {})
        when = datetime.combine(day, datetime.min.time(), UTC)
        return [m.key for m in plan_campaigns((digest,), aud, when).due]

    assert due(monday) == ["staff_digest/2027-W33/OAK/1"]
    assert due(rd) == [f"staff_digest/{rd.isoformat()}/OAK/1"]
    # The day after, nothing new: the week's digest (already sent) is the one due.
    assert due(rd.replace(day=rd.day + 1)) == ["staff_digest/2027-W33/OAK/1"]
    # A plan changed on a later day gets its own digest that day.
    later = rd.replace(day=rd.day + 5)
    changed = planning(intended_provider="Example Tech", intended_updated=later.isoformat())
    assert due(later, row=changed) == [f"staff_digest/{later.isoformat()}/OAK/1"]


def test_under_the_cap_the_flagged_students_autumn_message_goes_first() -> None:
    # Three leavers due the same follow-up on results day; one has a firm offer not
    # confirmed. With room for one message, it is hers; outside the window, key order.
    from destsync.config.settings import DEFAULT_CHECKPOINTS
    from destsync.domain.campaigns import DueMessage, apply_cap
    from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS
    from destsync.domain.context import PlanContext
    from destsync.domain.reconcile import support_marked

    rd = results_day(2027)
    rows = {r: planning() for r in ("OAK-1", "OAK-2", "OAK-3")}
    apps = {"a": app("OAK-3", "Firm")}
    ctx = PlanContext("OAK", CAL, DEFAULT_CHECKPOINTS)
    c = DEFAULT_CAMPAIGNS[0]
    due = [DueMessage(f"k{r}", r, c, "2027", 1, (f"{r}@example.org",)) for r in sorted(rows)]
    go, _ = apply_cap(support_marked(due, rows, apps, ctx, rd), 0, 1)
    assert [m.ref for m in go] == ["OAK-3"]
    go, _ = apply_cap(support_marked(due, rows, apps, ctx, date(2027, 10, 20)), 0, 1)
    assert [m.ref for m in go] == ["OAK-1"]
