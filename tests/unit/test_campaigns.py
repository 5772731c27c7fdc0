"""The campaign planner's rules on plain values: who is due what, when, and when a
checkpoint becomes "not known"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from destsync.domain.calendar import AcademicCalendar, results_day
from destsync.domain.campaigns import (
    Audience,
    CampaignPlan,
    DueMessage,
    apply_cap,
    ledger_key,
    message_id,
    parse_key,
    plan_campaigns,
    prefill_link,
    sent_since,
)
from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS, Campaign
from destsync.domain.model import LedgerEntry, RosterEntry

CAL = AcademicCalendar({})
BY_KEY = {c.key: c for c in DEFAULT_CAMPAIGNS}
SURVEY, AUTUMN, FORM_B, DIGEST = (BY_KEY[k] for k in
                                  ("annual_survey", "autumn_check", "form_b", "staff_digest"))


def alumnus(ref: str = "OAK-1001", leaving: int = 2026, **kw: str) -> dict[str, str]:
    row = {"ref": ref, "forename": "Testname", "surname": "Example", "leaving_year": str(leaving),
           "email": f"{ref.lower()}@example.org", "consent": "Yes"}
    row.update(kw)
    return row


def plan(
    rows: Mapping[str, Mapping[str, str]],
    day: date,
    ledger: Mapping[str, LedgerEntry] | None = None,
    campaigns: Sequence[Campaign] = (SURVEY,),
    roster: Sequence[RosterEntry] = (),
    staff: tuple[str, ...] = ("careers@example.org",),
) -> CampaignPlan:
    aud = Audience("OAK", staff, CAL, rows, roster, ledger or {})
    return plan_campaigns(campaigns, aud, datetime.combine(day, datetime.min.time(), UTC))


def sent(key: str, day: date, state: str = "sent") -> LedgerEntry:
    c, _, ref, _ = parse_key(key)
    return LedgerEntry(key, state, ref, c, datetime.combine(day, datetime.min.time(), UTC)
                       .isoformat(), message_id(key))


def keys(p: CampaignPlan) -> list[str]:
    return sorted(m.key for m in p.due)


def test_a_consenting_alumnus_gets_three_attempts_at_day_0_14_and_35_then_no_more() -> None:
    rows = {"OAK-1001": alumnus(leaving=2026)}
    ledger: dict[str, LedgerEntry] = {}
    got: list[tuple[date, str]] = []
    day = date(2027, 4, 1)
    while day <= date(2027, 12, 31):
        for m in plan(rows, day, ledger).due:
            got.append((day, m.key))
            ledger[m.key] = sent(m.key, day)
        day += timedelta(days=1)
    assert got == [
        (date(2027, 5, 1), "annual_survey/2027/OAK-1001/1"),
        (date(2027, 5, 15), "annual_survey/2027/OAK-1001/2"),
        (date(2027, 6, 5), "annual_survey/2027/OAK-1001/3"),
    ]


def test_a_late_first_send_keeps_the_gaps_between_attempts() -> None:
    rows = {"OAK-1001": alumnus()}
    first = "annual_survey/2027/OAK-1001/1"
    ledger = {first: sent(first, date(2027, 5, 20))}  # the school started late
    assert plan(rows, date(2027, 6, 2), ledger).due == []
    assert keys(plan(rows, date(2027, 6, 3), ledger)) == ["annual_survey/2027/OAK-1001/2"]


def test_nobody_without_consent_or_with_a_stop_is_contacted() -> None:
    rows = {
        "OAK-1": alumnus("OAK-1", consent=""),
        "OAK-2": alumnus("OAK-2", consent="No"),
        "OAK-3": alumnus("OAK-3", contact_status="Do not contact"),
        "OAK-4": alumnus("OAK-4", contact_status="Consent withdrawn"),
        "OAK-5": alumnus("OAK-5", email=""),
        "OAK-6": alumnus("OAK-6", consent="Withdrawn"),
        "OAK-7": alumnus("OAK-7"),
    }
    assert keys(plan(rows, date(2027, 5, 1))) == ["annual_survey/2027/OAK-7/1"]


def test_only_years_one_to_three_after_leaving_are_surveyed() -> None:
    rows = {f"OAK-{y}": alumnus(f"OAK-{y}", leaving=y) for y in range(2022, 2028)}
    assert keys(plan(rows, date(2027, 5, 1))) == [
        "annual_survey/2027/OAK-2024/1", "annual_survey/2027/OAK-2025/1",
        "annual_survey/2027/OAK-2026/1",
    ]


def test_a_response_for_the_checkpoint_stops_the_reminders() -> None:
    first = "annual_survey/2027/OAK-1001/1"
    ledger = {first: sent(first, date(2027, 5, 1))}
    answered = {"OAK-1001": alumnus(year1_updated="2027-05-03", year1_destination="University",
                                    year1_nccis="240")}
    assert plan(answered, date(2027, 5, 15), ledger).due == []
    assert plan(answered, date(2027, 9, 1), ledger).outcomes == []
    by_phone = {"OAK-1001": alumnus(year1_destination="Apprenticeship")}  # typed by staff
    assert plan(by_phone, date(2027, 5, 15), ledger).due == []


def test_three_unanswered_attempts_then_grace_make_the_checkpoint_810() -> None:
    rows = {"OAK-1001": alumnus()}
    ledger = {
        k: sent(k, d) for k, d in (
            ("annual_survey/2027/OAK-1001/1", date(2027, 5, 1)),
            ("annual_survey/2027/OAK-1001/2", date(2027, 5, 15)),
            ("annual_survey/2027/OAK-1001/3", date(2027, 6, 5)),
        )
    }
    assert plan(rows, date(2027, 6, 25), ledger).outcomes == []  # grace still running
    [outcome] = plan(rows, date(2027, 6, 26), ledger).outcomes
    assert (outcome.ref, outcome.group, outcome.code) == ("OAK-1001", "year1", 810)
    assert outcome.cells() == {"year1_destination": "Situation not known", "year1_nccis": "810"}
    # Still "not known" after New Year, while last year's cycle is remembered.
    assert [o.code for o in plan(rows, date(2028, 1, 10), ledger).outcomes] == [810]


def test_an_unreadable_time_in_the_ledger_waits_rather_than_gives_up() -> None:
    rows = {"OAK-1001": alumnus()}
    ledger = {
        k: sent(k, d) for k, d in (
            ("annual_survey/2027/OAK-1001/1", date(2027, 5, 1)),
            ("annual_survey/2027/OAK-1001/2", date(2027, 5, 15)),
        )
    }
    third = "annual_survey/2027/OAK-1001/3"
    # Someone typed over the hidden ledger's time for the last attempt.
    ledger[third] = LedgerEntry(third, "sent", "OAK-1001", "annual_survey", "last week",
                                message_id(third))
    assert plan(rows, date(2027, 6, 26), ledger).outcomes == []  # not 810 at once
    # It becomes "not known" only once the window and its grace are over.
    closes = date(2027, 7, 20) + timedelta(days=SURVEY.grace_days)
    assert plan(rows, closes, ledger).outcomes == []
    assert [o.code for o in plan(rows, closes + timedelta(days=1), ledger).outcomes] == [810]


def test_a_bounce_counts_as_a_failed_attempt() -> None:
    rows = {"OAK-1001": alumnus()}
    ledger = {
        "annual_survey/2027/OAK-1001/1": sent("annual_survey/2027/OAK-1001/1", date(2027, 5, 1),
                                              "bounced"),
    }
    assert keys(plan(rows, date(2027, 5, 15), ledger)) == ["annual_survey/2027/OAK-1001/2"]


def test_a_refusal_after_contact_is_830_and_no_one_is_contacted_again() -> None:
    first = "annual_survey/2027/OAK-1001/1"
    ledger = {first: sent(first, date(2027, 5, 1))}
    rows = {"OAK-1001": alumnus(consent="No")}
    p = plan(rows, date(2027, 5, 15), ledger)
    assert p.due == [] and [o.code for o in p.outcomes] == [830]


def test_no_attempt_means_no_not_known_outcome() -> None:
    rows = {"OAK-1001": alumnus(consent="")}
    assert plan(rows, date(2027, 9, 30)).outcomes == []


def test_a_pending_message_is_planned_again_under_the_same_key() -> None:
    key = "annual_survey/2027/OAK-1001/1"
    ledger = {key: sent(key, date(2027, 5, 1), "pending")}
    [m] = plan({"OAK-1001": alumnus()}, date(2027, 5, 2), ledger).due
    assert (m.key, m.recovering) == (key, True)
    withdrawn = plan({"OAK-1001": alumnus(contact_status="Consent withdrawn")},
                     date(2027, 5, 2), ledger)
    assert withdrawn.due == [] and withdrawn.stale == [key]


def test_the_autumn_check_follows_results_day_and_ignores_the_summer_answer() -> None:
    rd = results_day(2026)
    rows = {"OAK-1": alumnus("OAK-1", intended_updated="2026-05-10",
                             intended_destination="University"),
            "OAK-2": alumnus("OAK-2", intended_updated=(rd + timedelta(days=2)).isoformat())}
    assert plan(rows, rd + timedelta(days=6), campaigns=(AUTUMN,)).due == []
    assert keys(plan(rows, rd + timedelta(days=7), campaigns=(AUTUMN,))) == [
        "autumn_check/2026/OAK-1/1"
    ]


def test_form_b_goes_to_parents_of_years_12_and_13_once_per_academic_year() -> None:
    roster = [
        RosterEntry("OAK-1", "A", "Example", "", 2027, "p1@example.org"),  # Year 13 in 2026/27
        RosterEntry("OAK-2", "B", "Example", "", 2028, "p2@example.org"),  # Year 12
        RosterEntry("OAK-3", "C", "Example", "", 2026, "p3@example.org"),  # already left
        RosterEntry("OAK-4", "D", "Example", "", 2027, ""),  # no address
        RosterEntry("OAK-5", "E", "Example", "", 2027, "p5@example.org"),
    ]
    rows = {"OAK-5": {"contact_status": "Do not contact"}}
    ledger: dict[str, LedgerEntry] = {}
    got = []
    day = date(2027, 4, 1)
    while day < date(2027, 9, 1):
        for m in plan(rows, day, ledger, (FORM_B,), roster).due:
            got.append((day, m.key, m.to))
            ledger[m.key] = sent(m.key, day)
        day += timedelta(days=7)
    assert got == [
        (date(2027, 4, 22), "form_b/2026/OAK-1/1", ("p1@example.org",)),
        (date(2027, 4, 22), "form_b/2026/OAK-2/1", ("p2@example.org",)),
    ]


def test_the_staff_digest_goes_once_per_iso_week() -> None:
    ledger: dict[str, LedgerEntry] = {}
    sent_on = []
    for offset in range(14):
        day = date(2026, 11, 2) + timedelta(days=offset)
        for m in plan({}, day, ledger, (DIGEST,)).due:
            sent_on.append(day)
            ledger[m.key] = sent(m.key, day)
    assert sent_on == [date(2026, 11, 2), date(2026, 11, 9)]
    assert plan({}, date(2026, 11, 2), {}, (DIGEST,), staff=()).due == []


def test_the_cap_sends_recoveries_then_by_campaign_priority_and_defers_the_rest() -> None:
    def due(key: str, c: Campaign, attempt: int = 1, recovering: bool = False) -> DueMessage:
        return DueMessage(key, "OAK-1", c, "2027", attempt, ("a@example.org",), recovering)

    ms = [due("f", FORM_B), due("s1", SURVEY), due("s3", SURVEY, 3), due("d", DIGEST),
          due("r", FORM_B, recovering=True), due("a", AUTUMN)]
    go, later = apply_cap(ms, already_sent=1, cap=5)
    assert [m.key for m in go] == ["r", "d", "a", "s3"]
    assert [m.key for m in later] == ["s1", "f"]


def test_the_rolling_window_counts_sends_in_the_last_24_hours_over_all_academies() -> None:
    now = datetime(2027, 5, 2, 6, 0, tzinfo=UTC)
    a = {"k1": LedgerEntry("k1", "sent", "r", "c", (now - timedelta(hours=23)).isoformat()),
         "k2": LedgerEntry("k2", "sent", "r", "c", (now - timedelta(hours=25)).isoformat()),
         "k3": LedgerEntry("k3", "pending", "r", "c", now.isoformat())}
    b = {"k4": LedgerEntry("k4", "sent", "r", "c", now.isoformat())}
    assert sent_since([a, b], now - timedelta(hours=24)) == 2


def test_keys_and_message_ids_are_deterministic_and_distinct() -> None:
    k = ledger_key("annual_survey", "2027", "OAK-1001", 2)
    assert parse_key(k) == ("annual_survey", "2027", "OAK-1001", 2)
    assert message_id(k) == message_id(k) != message_id(ledger_key("annual_survey", "2027",
                                                                    "OAK-1001", 3))
    assert message_id(k).endswith("@destsync.invalid>")


def test_the_personal_link_prefills_the_reference() -> None:
    url = "https://docs.google.com/forms/d/e/X/viewform"
    assert prefill_link(url, "entry.123", "OAK-1001") == f"{url}?usp=pp_url&entry.123=OAK-1001"
    assert prefill_link(url, "", "OAK-1001") == url


def test_a_whole_three_year_cycle_sends_at_most_three_a_year_and_only_with_consent() -> None:
    """Weekly runs from the summer a cohort leaves to the end of tracking."""
    rows = {f"OAK-{i}": alumnus(f"OAK-{i}", leaving=2026) for i in range(1, 7)}
    rows["OAK-2"]["consent"] = "No"
    rows["OAK-3"]["contact_status"] = "Do not contact"
    ledger: dict[str, LedgerEntry] = {}
    outcomes: dict[tuple[str, str], int] = {}
    day = date(2026, 6, 1)
    while day < date(2030, 4, 1):
        p = plan(rows, day, ledger, DEFAULT_CAMPAIGNS[:2])
        for m in p.due:
            ledger[m.key] = sent(m.key, day)
        for o in p.outcomes:
            outcomes[(o.ref, o.group)] = o.code
            rows[o.ref].update(o.cells())
        if day == date(2027, 5, 10):  # a Monday: OAK-4 answers the first year-1 email
            rows["OAK-4"].update(year1_updated="2027-05-10", year1_destination="University",
                                 year1_nccis="240")
        day += timedelta(days=7)
    per = Counter((parse_key(k)[0], parse_key(k)[1], parse_key(k)[2]) for k in ledger)
    assert not any(ref in ("OAK-2", "OAK-3") for _, _, ref in per)
    assert max(per.values()) == 3
    assert per[("annual_survey", "2027", "OAK-4")] == 1  # stopped by the answer
    assert {c for (_, cyc, _) in per for c in [cyc]} == {"2026", "2027", "2028", "2029"}
    assert outcomes[("OAK-1", "actual")] == 810
    assert outcomes[("OAK-1", "year3")] == 810
    assert ("OAK-4", "year1") not in outcomes and outcomes[("OAK-4", "year2")] == 810
    assert not any(ref in ("OAK-2", "OAK-3") for ref, _ in outcomes)


def test_a_send_at_t_no_longer_counts_against_the_cap_at_t_plus_24_hours() -> None:
    t = datetime(2027, 5, 2, 6, 0, tzinfo=UTC)
    ledger = {"k": LedgerEntry("k", "sent", "r", "c", t.isoformat(timespec="seconds"))}
    assert sent_since([ledger], t + timedelta(hours=24) - timedelta(hours=24)) == 0
    assert sent_since([ledger], t - timedelta(seconds=1)) == 1  # at T + 24 h - 1 s
    assert sent_since([ledger], t + timedelta(seconds=1)) == 0
