"""Mail that came back to the sending mailbox: delivery-failure notices and replies. Pure.

Each inbound message is matched to the ledger key of the message it answers, by what the
mailbox keeps rather than by our Message-ID (Gmail replaces it on send):

1. the ``X-Destsync-Key`` header of the original, which a delivery-status notice carries
   back in its returned headers (RFC 3464: a ``text/rfc822-headers`` or ``message/rfc822``
   part; Gmail's own notices quote the original too);
2. the thread: Gmail files a notice and a reply in the thread of the message they answer,
   and the ledger records each Gmail send under its thread id (``GmailMailer``);
3. ``In-Reply-To`` / ``References`` naming the Message-ID destsync gave the message,
   which holds where nothing rewrote it (SMTP, a reply read from another mailbox).

A notice marks the attempt it answers *bounced* (the planner's evidence for 820). A reply
stops that campaign's reminders for that student (a ``replied`` ledger entry, attempt 0)
and becomes a Review item with its text, cleaned and cut short; it is never written into
a tracker cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from destsync.domain.campaigns import ledger_key, message_id, parse_key
from destsync.domain.masking import mask_email, mask_phone
from destsync.domain.model import LedgerEntry
from destsync.domain.normalize import clean_text
from destsync.domain.plan import ReviewItem

KEY_HEADER = "X-Destsync-Key"
REPLY_TEXT_MAX = 1000  # enough to transcribe a destination, short enough for one cell
_DAEMONS = ("mailer-daemon", "postmaster")
_KEY_IN_TEXT = re.compile(r"(?im)^x-destsync-key:\s*(\S+/\S+/\S+/\d+)\s*$")
REPLY_ACTION = ("Read the reply and type any destination it gives into the tracker "
                "yourself; destsync stopped this campaign's reminders to the student.")


@dataclass(frozen=True)
class InboundMail:
    """One message in the sending mailbox's inbox, as the mailer read it."""

    id: str
    thread_id: str
    raw: bytes


@dataclass
class MailBack:
    """What the inbound mail changes: ledger rows (bounced, replied) and Review items."""

    ledger: list[LedgerEntry] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    bounced: int = 0
    replies: int = 0


def read_back(mail: Iterable[InboundMail], ledger: Mapping[str, LedgerEntry],
              own_address: str = "") -> MailBack:
    """Match each inbound message to the ledger and say what it changes. Reading the same
    mail again changes nothing: an attempt already bounced or a reply already recorded is
    left alone, and a Review item's key is the inbound message's id."""
    out = MailBack()
    by_thread: dict[str, str] = {}
    by_mid: dict[str, str] = {}
    for e in sorted(ledger.values(), key=lambda e: e.at):
        if e.state in ("sent", "bounced"):
            by_thread[e.message_id] = e.key  # the latest send in a thread wins
            by_mid[message_id(e.key).strip("<>").lower()] = e.key
    replied = {e.key for e in ledger.values() if e.state == "replied"}
    changed: dict[str, LedgerEntry] = {}
    for m in mail:
        msg = message_from_bytes(m.raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        sender = _sender(msg)
        if own_address and sender == own_address.lower():
            continue  # our own message, filed in the inbox too
        bounce = is_bounce(msg, sender)
        if not bounce and str(msg.get("Auto-Submitted", "no")).lower() != "no":
            continue  # an out-of-office answer is not the student replying (RFC 3834)
        key = (_returned_key(msg) if bounce else "") or by_thread.get(m.thread_id, "") or next(
            (by_mid[r] for r in _referenced(msg) if r in by_mid), "")
        entry = changed.get(key) or ledger.get(key)
        if entry is None:
            continue  # not about a message of this academy's ledger
        if bounce:
            if entry.state == "sent":
                changed[key] = LedgerEntry(key, "bounced", entry.ref, entry.campaign,
                                           entry.at, entry.message_id)
                out.bounced += 1
            continue
        campaign, cycle, ref, _ = parse_key(key)
        stop = ledger_key(campaign, cycle, ref, 0)
        if stop in replied or stop in changed:
            continue
        when = _date(msg)
        changed[stop] = LedgerEntry(stop, "replied", ref, campaign, when or entry.at, m.id)
        out.review.append(ReviewItem(
            f"Reply|{m.id}", "Replied by email", ref, "", when[:10], "", "",
            reply_text(msg), REPLY_ACTION))
        out.replies += 1
    out.ledger = list(changed.values())
    return out


def is_bounce(msg: Message, sender: str = "") -> bool:
    """A delivery-status notice: a multipart/report of report-type delivery-status, or
    mail from the mailer daemon (Gmail's notices are both)."""
    if msg.get_content_type() == "multipart/report" and (
            str(msg.get_param("report-type", "")).lower() == "delivery-status"):
        return True
    who = sender or _sender(msg)
    return any(who.startswith(d + "@") for d in _DAEMONS)


def _returned_key(msg: Message) -> str:
    """The ledger key in the original's headers, which the notice carries back."""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message) and inner.get(KEY_HEADER):
                return str(inner[KEY_HEADER]).strip()
        elif kind in ("text/rfc822-headers", "text/plain"):
            found = _KEY_IN_TEXT.search(_text(part))
            if found:
                return found.group(1)
    return ""


def _referenced(msg: Message) -> list[str]:
    refs = f"{msg.get('In-Reply-To', '')} {msg.get('References', '')}"
    return [r.strip("<>").lower() for r in refs.split() if r.strip()]


def reply_text(msg: EmailMessage) -> str:
    """The reply's own words: the plain part without the quoted message, on one line,
    without control characters, at most REPLY_TEXT_MAX characters, contact details
    masked. The writers store it as text, so a reply that starts with "=" stays text."""
    body = msg.get_body(("plain",)) or msg.get_body(("html",))
    text = _text(body) if body is not None else ""
    if body is not None and body.get_content_type() == "text/html":
        text = re.sub(r"<[^>]*>", " ", text)
    kept: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith(">") or re.match(r"^\s*On .{4,200} wrote:\s*$", line):
            break  # where the quoted original starts
        kept.append(line)
    return mask_contacts(clean_text(" ".join(kept), REPLY_TEXT_MAX))


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ()-]{8,}\d")


def mask_contacts(text: str) -> str:
    """Emails and phone numbers in free text masked as the Review tab shows them
    elsewhere: it keeps history, and consent may be withdrawn later."""
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def _text(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else part.get_payload()
    except (LookupError, ValueError):
        return ""
    return content if isinstance(content, str) else ""


def _sender(msg: Message) -> str:
    found = getaddresses([str(msg.get("From", ""))])
    return found[0][1].lower() if found else ""


def _date(msg: Message) -> str:
    try:
        return parsedate_to_datetime(str(msg.get("Date", ""))).isoformat(timespec="seconds")
    except (TypeError, ValueError, IndexError):
        return ""


def bounced_refs(ledger: Mapping[str, LedgerEntry]) -> list[str]:
    """Refs whose latest attempt (of any campaign) bounced: an address staff should
    correct. Refs only: the digest that lists them is an email, and email is forwarded."""
    latest: dict[str, LedgerEntry] = {}
    for e in ledger.values():
        if e.state in ("sent", "bounced") and (e.ref not in latest or e.at >= latest[e.ref].at):
            latest[e.ref] = e
    return sorted(ref for ref, e in latest.items() if e.state == "bounced")

