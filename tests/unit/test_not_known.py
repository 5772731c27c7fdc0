"""When a checkpoint becomes "not known", and which of NCCIS's three codes it gets:
810 after every attempt went unanswered, 820 only with evidence that the leaver cannot be
reached, 830 for a refusal; never before every attempt the rules call for was made."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from destsync.domain.calendar import AcademicCalendar
from destsync.domain.campaigns import (
    Audience,
    CampaignPlan,
    ledger_key,
    message_id,
    parse_key,
    plan_campaigns,
)
from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS, Campaign, Window
from destsync.domain.model import LedgerEntry

CAL = AcademicCalendar({})
SURVEY = next(c for c in DEFAULT_CAMPAIGNS if c.key == "annual_survey")
WINDOW_END = date(2027, 7, 20)


def alumnus(**kw: str) -> dict[str, str]:
    row = {"ref": "OAK-1001", "leaving_year": "2026", "email": "oak-1001@example.org",
           "consent": "Yes"}
    row.update(kw)
    return row


def plan(row: Mapping[str, str], day: date, ledger: Mapping[str, LedgerEntry],
         campaign: Campaign = SURVEY) -> CampaignPlan:
    aud = Audience("OAK", (), CAL, {"OAK-1001": row}, (), ledger)
    return plan_campaigns([campaign], aud, datetime.combine(day, datetime.min.time(), UTC))


def made(*states: str, days: tuple[date, ...] = (date(2027, 5, 1), date(2027, 5, 15),
                                                 date(2027, 6, 5))) -> dict[str, LedgerEntry]:
    out = {}
    for n, (state, day) in enumerate(zip(states, days, strict=False), start=1):
        key = ledger_key("annual_survey", "2027", "OAK-1001", n)
        out[key] = LedgerEntry(key, state, "OAK-1001", "annual_survey",
                               datetime.combine(day, datetime.min.time(), UTC).isoformat(),
                               message_id(key))
    return out


def codes(p: CampaignPlan) -> list[int]:
    return [o.code for o in p.outcomes]


def test_every_attempt_unanswered_is_810_not_820() -> None:
    assert codes(plan(alumnus(), date(2027, 6, 26), made("sent", "sent", "sent"))) == [810]


def test_one_attempt_then_the_window_closes_is_not_yet_not_known() -> None:
    # The old rule wrote 820 here; with attempts missing the checkpoint stays blank.
    ledger = made("sent")
    for day in (date(2027, 7, 21), WINDOW_END + timedelta(days=22), date(2028, 3, 1)):
        assert plan(alumnus(), day, ledger).outcomes == []


def test_every_attempt_bounced_and_no_phone_is_820() -> None:
    ledger = made("sent", "bounced", "bounced")
    assert codes(plan(alumnus(), date(2027, 6, 26), ledger)) == [820]
    assert plan(alumnus(), date(2027, 6, 25), ledger).outcomes == []  # grace first


def test_a_bounced_email_with_a_phone_number_is_810_not_820() -> None:
    ledger = made("bounced", "bounced", "bounced")
    row = alumnus(phone="+447700900123")
    assert codes(plan(row, date(2027, 6, 26), ledger)) == [810]


def test_an_address_that_bounced_once_then_worked_is_810() -> None:
    ledger = made("bounced", "sent", "sent")
    assert codes(plan(alumnus(), date(2027, 6, 26), ledger)) == [810]


def test_no_contact_route_at_all_is_820_once_the_window_and_grace_are_over() -> None:
    row = alumnus(email="", consent="")
    assert plan(row, WINDOW_END + timedelta(days=SURVEY.grace_days), {}).outcomes == []
    assert codes(plan(row, WINDOW_END + timedelta(days=SURVEY.grace_days + 1), {})) == [820]


def test_a_phone_number_alone_is_a_route_so_not_820() -> None:
    row = alumnus(email="", phone="+447700900123")
    assert plan(row, date(2027, 9, 1), {}).outcomes == []


def test_a_refusal_is_830_even_before_the_last_attempt() -> None:
    assert codes(plan(alumnus(consent="No"), date(2027, 5, 16), made("sent"))) == [830]
    row = alumnus(contact_status="Consent withdrawn", email="")
    assert codes(plan(row, date(2027, 9, 1), made("sent"))) == [830]


def test_a_not_known_code_already_recorded_is_left_as_it_is() -> None:
    # An 820 an older rule wrote after one attempt: never rewritten to 810.
    row = alumnus(year1_destination="Cannot be contacted", year1_nccis="820")
    assert plan(row, date(2027, 6, 26), made("sent", "sent", "sent")).outcomes == []


def test_a_response_after_the_grace_period_still_wins() -> None:
    row = alumnus(year1_updated="2027-06-20", year1_destination="College", year1_nccis="230")
    assert plan(row, date(2027, 6, 26), made("sent", "sent", "sent")).outcomes == []


@settings(max_examples=150, deadline=None)
@given(
    attempts=st.integers(min_value=1, max_value=3),
    gaps=st.lists(st.integers(min_value=0, max_value=30), min_size=3, max_size=3),
    runs=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=40),
    bounces=st.lists(st.booleans(), min_size=3, max_size=3),
    email=st.booleans(), phone=st.booleans(),
    consent=st.sampled_from(["Yes", "", "No"]),
    grace=st.integers(min_value=0, max_value=30),
)
def test_no_checkpoint_is_not_known_before_every_attempt_was_made(
    attempts: int, gaps: list[int], runs: list[int], bounces: list[bool], email: bool,
    phone: bool, consent: str, grace: int,
) -> None:
    """Runs at random intervals (sparse or daily) over a window and a year after it."""
    spacing = tuple(sum(gaps[:i]) for i in range(attempts))
    camp = Campaign("annual_survey", "alumni", Window("05-01", "07-20"), attempts, spacing,
                    grace, "followup", "s", 20, (1,))
    row = alumnus(email="oak-1001@example.org" if email else "", consent=consent,
                  phone="+447700900123" if phone else "")
    ledger: dict[str, LedgerEntry] = {}
    day = date(2027, 4, 25)
    for step in runs * 3:
        p = plan(row, day, ledger, camp)
        for m in p.due:
            state = "bounced" if bounces[m.attempt - 1] else "sent"
            ledger[m.key] = LedgerEntry(m.key, state, m.ref, camp.key,
                                        datetime.combine(day, datetime.min.time(), UTC)
                                        .isoformat(), message_id(m.key))
        mine = [e for e in ledger.values() if parse_key(e.key)[1] == "2027"]
        for o in p.outcomes:
            if o.code == 830:
                assert consent == "No" and mine  # a refusal, after contact
                continue
            window_over = day > camp.window.dates(2027)[1] + timedelta(days=grace)
            if mine:
                assert len(mine) == attempts, (o, mine)
                last = max(datetime.fromisoformat(e.at).date() for e in mine)
                assert window_over or day >= last + timedelta(days=grace)
            else:  # nobody to try: 820 only, and only once the window is over
                assert (o.code, email, phone, window_over) == (820, False, False, True)
            if o.code == 820 and mine:
                assert mine[-1].state == "bounced" and not phone  # the last attempt
            row.update(o.cells())
        day += timedelta(days=step)
