"""The stop link: Form A prefilled with "No, stop contacting me", an answer the next sync
treats as a withdrawal (no further contact of the student or their parents, contact
details erased, logged)."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import pytest

from destsync.domain.answers import STOP_ANSWER, parse_response
from destsync.domain.campaigns import prefill_link, stop_link
from destsync.domain.email_message import build_email, list_unsubscribe
from destsync.domain.normalize import is_stop_answer
from destsync.domain.plan import OutgoingMessage
from destsync.domain.reconcile import plan_sync
from tests.builders import CTX, at, response, student
from tests.fakes import MemoryTracker
from tests.unit.test_campaigns import FORM_B, SURVEY, alumnus, keys, plan

FORM = "https://docs.google.com/forms/d/e/FORM_ID/viewform"


@pytest.mark.parametrize("text", [STOP_ANSWER, "no, STOP contacting me", "No - stop emailing"])
def test_the_stop_answer_is_a_no_that_withdraws(text: str) -> None:
    assert is_stop_answer(text)
    p = parse_response(response("r1", at(2027, 5, 2), student(1), consent=text),
                       date(2027, 5, 2))
    assert (p.consent, p.withdraws) == (False, True)
    assert p.email == p.phone == ""


@pytest.mark.parametrize("text", ["No", "Yes", "Yes, stop-gap year", "", "Stop"])
def test_a_plain_no_or_a_yes_is_not_the_stop_answer(text: str) -> None:
    assert not is_stop_answer(text)


def test_the_stop_link_prefills_the_ref_and_the_stop_answer() -> None:
    link = stop_link(FORM, "entry.1000001", "entry.1000002", "OAK-1001")
    query = parse_qs(urlsplit(link).query)
    assert query == {"usp": ["pp_url"], "entry.1000001": ["OAK-1001"],
                     "entry.1000002": [STOP_ANSWER]}
    assert link.startswith(prefill_link(FORM, "entry.1000001", "OAK-1001"))
    # Without both entry ids there is no stop form (it could not be matched, or would
    # not say stop): the message keeps the email to staff.
    assert stop_link(FORM, "entry.1000001", "", "OAK-1001") == ""
    assert stop_link(FORM, "", "entry.1000002", "OAK-1001") == ""


def test_every_message_carries_list_unsubscribe_to_staff_and_the_stop_form() -> None:
    link = stop_link(FORM, "entry.1000001", "entry.1000002", "OAK-1001")
    msg = OutgoingMessage("annual_survey/2027/OAK-1001/1", "OAK-1001", "annual_survey",
                          "oak-1001@example.org", "Hello", "text", "<p>html</p>", 20, link)
    em = build_email(msg, "destsync@example.org", reply_to="careers@example.org")
    parsed = message_from_bytes(em.as_bytes(), policy=policy.default)
    header = " ".join(str(parsed["List-Unsubscribe"]).split())
    assert header == list_unsubscribe("careers@example.org", "OAK-1001", link)
    assert header.startswith("<mailto:careers@example.org?subject=Stop%20contact%20OAK-1001>, <")
    assert f"<{link}>" in header
    # No one-click claim: a Google Form does not act on a bare POST (RFC 8058).
    assert parsed["List-Unsubscribe-Post"] is None
    # Only an https link goes in; anything else leaves the mailto alone.
    assert list_unsubscribe("careers@example.org", "R", "javascript:x") == (
        "<mailto:careers@example.org?subject=Stop%20contact%20R>")


def test_the_next_sync_withdraws_erases_logs_and_contacts_no_one_again() -> None:
    s = student(1, leaving_year=2026)
    t = MemoryTracker()
    first = response("r1", at(2026, 6, 10), s)
    plan_1 = plan_sync(t.read(), [s], [first], CTX, at(2026, 6, 11))
    t.apply(plan_1)
    assert t.snap.rows[s.ref]["email"]
    stop = response("r2", at(2027, 5, 3), s, consent=STOP_ANSWER, name="Testname Example",
                    email="", phone="", destination="", course="", level="", provider="",
                    start_date="", duration="", dob="", leaving_year="")
    withdrawal = plan_sync(t.read(), [s], [first, stop], CTX, at(2027, 5, 4))
    t.apply(withdrawal)
    row = t.snap.rows[s.ref]
    assert (row["consent"], row["email"], row["phone"]) == ("Withdrawn", "", "")
    logged = {(e.field, e.old, e.new) for e in withdrawal.log}
    assert ("consent", "Yes", "Withdrawn") in logged
    assert {("email", "(erased)", ""), ("phone", "(erased)", "")} <= logged
    # Nobody is written to again: not the student, not their parents.
    assert keys(plan({s.ref: row}, date(2027, 5, 15), campaigns=(SURVEY,))) == []
    roster_row = {**row, "leaving_year": "2028"}
    assert keys(plan({s.ref: roster_row}, date(2027, 5, 1), campaigns=(FORM_B,),
                     roster=[student(1, leaving_year=2028)])) == []
    # Against a consenting alumnus the same day, who is written to.
    assert keys(plan({"OAK-1002": alumnus("OAK-1002")}, date(2027, 5, 1))) != []
