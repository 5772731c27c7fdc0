"""An outgoing message as MIME: pure, so every mailer builds the same bytes.

Header values are folded to one line and built by the standard library's header
registry, so nothing a student typed can add a header.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import quote

from destsync.domain.campaigns import message_id
from destsync.domain.plan import OutgoingMessage
from destsync.errors import RecipientRejected


def one_line(text: str) -> str:
    """Fold any run of whitespace, line breaks included, to one space."""
    return " ".join(str(text).split())


def build_email(
    msg: OutgoingMessage, sender: str, sender_name: str = "", reply_to: str = "",
    date: datetime | None = None,
) -> EmailMessage:
    """The MIME message for ``msg``: text and HTML parts, a deterministic Message-ID, and
    a List-Unsubscribe header. RecipientRejected if an address is not an address."""
    em = EmailMessage(policy=SMTP)
    em["Subject"] = one_line(msg.subject)
    em["From"] = Address(display_name=one_line(sender_name), addr_spec=_addr(sender))
    em["To"] = [Address(addr_spec=_addr(a)) for a in msg.to.split(",") if a.strip()]
    if reply_to:
        em["Reply-To"] = Address(addr_spec=_addr(reply_to))
    unsubscribe = list_unsubscribe(reply_to, msg.ref, msg.stop_url)
    if unsubscribe:
        em["List-Unsubscribe"] = unsubscribe
    em["Date"] = format_datetime(date or datetime.now().astimezone())
    em["Message-ID"] = message_id(msg.key)
    em["X-Destsync-Key"] = one_line(msg.key)
    # Quoted-printable keeps non-ASCII names intact through any relay, 8BITMIME or not.
    em.set_content(msg.text, cte="quoted-printable")
    em.add_alternative(msg.html, subtype="html", cte="quoted-printable")
    return em


def list_unsubscribe(careers: str, ref: str, stop_url: str) -> str:
    """RFC 2369 List-Unsubscribe: a mail to the careers team and, when there is one, the
    prefilled stop form (https, opened in a browser). No List-Unsubscribe-Post: RFC 8058
    one-click needs an https endpoint that acts on a bare POST, and a Google Form's
    viewform page does not, so claiming one-click would unsubscribe nobody."""
    uris = []
    if careers:
        uris.append(f"<mailto:{_addr(careers)}?subject={quote('Stop contact ' + ref)}>")
    if stop_url.startswith("https://") and not any(ch in stop_url for ch in " <>,\r\n"):
        uris.append(f"<{stop_url}>")
    return ", ".join(uris)


def _addr(text: str) -> str:
    addr = text.strip()
    if not addr or any(ch in addr for ch in "\r\n<>,;\"") or addr.count("@") != 1:
        raise RecipientRejected(f"not an email address ({len(addr)} characters)",
                                "fix the address in the tracker")
    try:
        Address(addr_spec=addr)
    except (ValueError, IndexError):
        raise RecipientRejected("not an email address", "fix the address in the tracker") from None
    return addr
