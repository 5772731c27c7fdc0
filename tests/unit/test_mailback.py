"""Mail read back from the sending mailbox: delivery-failure notices mark the attempt they
answer bounced, replies stop the campaign's reminders and go to Review; matched by what
survives Gmail (the returned headers, the thread), never by a rewritten Message-ID."""

from __future__ import annotations

from datetime import UTC, date, datetime

from destsync.domain.campaigns import message_id
from destsync.domain.digest import build_digest
from destsync.domain.mailback import InboundMail, bounced_refs, read_back
from destsync.domain.model import LedgerEntry
from tests.unit.test_campaigns import CAL, alumnus, keys, plan, sent

KEY = "annual_survey/2027/OAK-1001/1"
OTHER = "annual_survey/2027/OAK-1002/1"


def ledger(*entries: LedgerEntry) -> dict[str, LedgerEntry]:
    return {e.key: e for e in entries}


def gmail_sent(key: str, thread: str) -> LedgerEntry:
    e = sent(key, date(2027, 5, 3))
    return LedgerEntry(e.key, e.state, e.ref, e.campaign, e.at, thread)


def dsn(returned_key: str = KEY, daemon: bool = True) -> bytes:
    sender = "mailer-daemon@googlemail.com" if daemon else "postmaster@example.net"
    return (
        f"From: {sender}\nTo: careers@example.org\nSubject: Undelivered\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nNot delivered.\n\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; example.net\n\n"
        "Final-Recipient: rfc822; oak-1001@example.org\nAction: failed\nStatus: 5.1.1\n\n"
        "--b\nContent-Type: text/rfc822-headers\n\nTo: oak-1001@example.org\n"
        f"Message-ID: <rewritten@mail.example.org>\nX-Destsync-Key: {returned_key}\n\n--b--\n"
    ).encode()


def reply(text: str, in_reply_to: str = "<unknown@mail.example.org>",
          auto: str = "") -> bytes:
    extra = f"Auto-Submitted: {auto}\n" if auto else ""
    return (f"From: Testname Example <oak-1001@example.org>\nTo: careers@example.org\n"
            f"Subject: Re: where are you now?\nIn-Reply-To: {in_reply_to}\n{extra}"
            f"Date: Wed, 05 May 2027 18:00:00 +0100\n\n{text}").encode()


def test_a_notice_carrying_the_original_headers_marks_that_attempt_bounced() -> None:
    held = ledger(gmail_sent(KEY, "t1"), gmail_sent(OTHER, "t2"))
    # In a thread of its own (a remote server's notice): matched by the returned key.
    back = read_back([InboundMail("n1", "t9", dsn())], held)
    assert [(e.key, e.state, e.message_id) for e in back.ledger] == [(KEY, "bounced", "t1")]
    assert back.bounced == 1 and back.review == []
    # Read again, with the attempt now bounced: nothing changes.
    held.update({e.key: e for e in back.ledger})
    assert read_back([InboundMail("n1", "t9", dsn())], held).ledger == []


def test_a_notice_without_returned_headers_is_matched_by_its_thread() -> None:
    held = ledger(gmail_sent(KEY, "t1"), gmail_sent(OTHER, "t2"))
    bare = b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n\nNot delivered.\n"
    back = read_back([InboundMail("n1", "t2", bare)], held)
    assert [(e.key, e.state) for e in back.ledger] == [(OTHER, "bounced")]


def test_a_reply_stops_the_reminders_and_goes_to_review_inert_and_short() -> None:
    held = ledger(gmail_sent(KEY, "t1"))
    text = ("=HYPERLINK(\"http://x\") I am at Example College doing A levels.\n" + "x" * 2000
            + "\n\nOn Mon, 3 May 2027, Careers wrote:\n> Where are you now?\n")
    back = read_back([InboundMail("r1", "t1", reply(text))], held)
    assert back.replies == 1 and back.bounced == 0
    [stop] = back.ledger
    assert (stop.key, stop.state, stop.message_id) == ("annual_survey/2027/OAK-1001/0",
                                                        "replied", "r1")
    [item] = back.review
    assert (item.kind, item.ref, item.key, item.submitted) == (
        "Replied by email", "OAK-1001", "Reply|r1", "2027-05-05")
    assert item.form_value.startswith("=HYPERLINK") and len(item.form_value) <= 1000
    assert "Where are you now" not in item.form_value and "\n" not in item.form_value
    # The planner: no second attempt and no not-known code for the one who replied.
    held.update({e.key: e for e in back.ledger})
    rows = {"OAK-1001": alumnus("OAK-1001")}
    assert keys(plan(rows, date(2027, 5, 20), held)) == []
    assert plan(rows, date(2027, 9, 30), held).outcomes == []
    assert keys(plan(rows, date(2027, 5, 20), ledger(gmail_sent(KEY, "t1")))) == [
        "annual_survey/2027/OAK-1001/2"]


def test_contact_details_in_a_reply_are_masked_on_review() -> None:
    held = ledger(gmail_sent(KEY, "t1"))
    text = "My new email is new.me@example.org and my mobile +44 7700 900123. I'm at college."
    [item] = read_back([InboundMail("r1", "t1", reply(text))], held).review
    assert "new.me@example.org" not in item.form_value and "900123" not in item.form_value
    assert "n***@e***.org" in item.form_value and item.form_value.endswith("I'm at college.")


def test_a_reply_in_reply_to_destsyncs_own_message_id_is_matched_where_it_survived() -> None:
    held = ledger(sent(KEY, date(2027, 5, 3)))  # SMTP: the ledger holds our Message-ID
    back = read_back([InboundMail("r1", "", reply("Thanks!", message_id(KEY)))], held)
    assert [e.key for e in back.ledger] == ["annual_survey/2027/OAK-1001/0"]


def test_an_out_of_office_answer_or_a_stranger_changes_nothing() -> None:
    held = ledger(gmail_sent(KEY, "t1"))
    auto = read_back([InboundMail("r1", "t1", reply("Away", auto="auto-replied"))], held)
    stranger = read_back([InboundMail("r2", "t7", reply("Hello"))], held)
    unknown = read_back([InboundMail("n1", "t7", dsn("annual_survey/2027/OAK-9999/1"))], held)
    assert auto.ledger == stranger.ledger == unknown.ledger == []


def test_every_attempt_bounced_is_820_with_the_bounce_as_evidence() -> None:
    k1, k2, k3 = (f"annual_survey/2027/OAK-1001/{n}" for n in (1, 2, 3))
    held = ledger(sent(k1, date(2027, 5, 1), "bounced"), sent(k2, date(2027, 5, 15), "bounced"),
                  sent(k3, date(2027, 6, 5), "bounced"))
    rows = {"OAK-1001": alumnus("OAK-1001")}
    [outcome] = plan(rows, date(2027, 8, 15), held).outcomes
    assert (outcome.code, outcome.evidence) == (820, f"bounced: {k3}")
    assert bounced_refs(held) == ["OAK-1001"]
    digest = build_digest(rows, held, CAL, (), datetime(2027, 8, 15, 9, tzinfo=UTC), 0, 0, 0, [])
    assert digest["bounced"] == ["OAK-1001"]
    # A later attempt that went through clears it from the digest's list.
    held[k3] = sent(k3, date(2027, 6, 5))
    assert bounced_refs(held) == []


class _Inbox:
    """A MailReader holding one reply, counting its reads."""

    def __init__(self, sender: str) -> None:
        self.sender, self.reads = sender, 0

    def read_mail(self, days: int) -> list[InboundMail]:
        self.reads += 1
        return [InboundMail("r1", "t1", reply("Thanks"))]


def test_academies_sending_from_one_mailbox_read_it_once_and_match_their_own() -> None:
    from destsync.domain.model import TrackerSnapshot
    from destsync.service.outreach import read_inbound

    oak, elm = TrackerSnapshot(), TrackerSnapshot()
    oak.ledger = ledger(gmail_sent(KEY, "t1"))
    elm.ledger = ledger(gmail_sent("annual_survey/2027/ELM-1/1", "t5"))
    inbox, seen = _Inbox("careers@example.org"), {}  # type: ignore[var-annotated]
    assert read_inbound(inbox, oak, seen).replies == 1
    assert read_inbound(inbox, elm, seen).replies == 0  # not its message
    assert inbox.reads == 1
    assert oak.ledger["annual_survey/2027/OAK-1001/0"].state == "replied"
    assert read_inbound(object(), oak).ledger == []  # outbox, SMTP: nothing to read
