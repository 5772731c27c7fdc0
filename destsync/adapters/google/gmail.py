"""Gmail API mailer: sends as the configured mailbox with ``users.messages.send``.

Exactly once: every message carries a deterministic Message-ID (from its ledger key), and
``already_sent`` searches the mailbox for it (``rfc822msgid:``) before a message that a
crashed run left pending is sent again. A send is never retried blindly: an error leaves
the message pending, and the next run asks Gmail first.

The service is built only by ``build_service``, from credentials the caller supplies, or
from ``WORKSPACE_EMULATOR_HOST`` (anonymous credentials, plain HTTP) in tests.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from typing import Any

from destsync.adapters.google.credentials import GMAIL_SCOPES
from destsync.domain.email_message import build_email
from destsync.domain.plan import OutgoingMessage
from destsync.errors import CredentialError, MailError, RecipientRejected

SCOPES = GMAIL_SCOPES  # one list of scopes, kept beside the others in credentials


def build_service(credentials: Any = None, endpoint: str | None = None) -> Any:
    """A Gmail API client. With ``WORKSPACE_EMULATOR_HOST=host:port`` set (and no explicit
    endpoint), it talks to that emulator with anonymous credentials."""
    from googleapiclient import discovery

    host = os.environ.get("WORKSPACE_EMULATOR_HOST", "")
    if endpoint is None and host:
        from google.auth.credentials import AnonymousCredentials

        endpoint = f"http://{host}"
        credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    if credentials is None:
        raise CredentialError(
            "no Google credentials for the Gmail mailer",
            "set GOOGLE_APPLICATION_CREDENTIALS, or use mail.backend = \"smtp\" or \"outbox\"",
        )
    options = {"api_endpoint": endpoint} if endpoint else None
    return discovery.build(
        "gmail", "v1", credentials=credentials, client_options=options,
        cache_discovery=False, static_discovery=True,
    )


class GmailMailer:
    def __init__(self, service: Any, sender: str, *, user: str = "me", sender_name: str = "",
                 reply_to: str = "", calls: Counter[str] | None = None) -> None:
        self.service, self.user = service, user
        self.sender, self.sender_name, self.reply_to = sender, sender_name, reply_to
        self.calls: Counter[str] = Counter() if calls is None else calls

    def _count(self, method: str) -> None:
        self.calls[method] += 1

    def already_sent(self, key: str) -> bool:
        from destsync.domain.campaigns import message_id

        self._count("gmail.messages.list")
        try:
            # Listing is idempotent, so the client's own backoff may retry it.
            found = self.service.users().messages().list(
                userId=self.user, q=f"rfc822msgid:{message_id(key)}", includeSpamTrash=True,
                maxResults=1,
            ).execute(num_retries=3)
        except Exception as exc:
            raise _mail_error(exc, "search the sent mail") from None
        return bool(found.get("messages"))

    def send(self, message: OutgoingMessage) -> str:
        em = build_email(message, self.sender, self.sender_name, self.reply_to)
        raw = base64.urlsafe_b64encode(em.as_bytes()).decode("ascii")
        self._count("gmail.messages.send")
        try:
            # No retries: a send that failed half-way may have gone; the next run checks.
            sent = self.service.users().messages().send(
                userId=self.user, body={"raw": raw}
            ).execute(num_retries=0)
        except Exception as exc:
            if _is_bad_recipient(exc):
                raise RecipientRejected(
                    f"Gmail refused {message.key} as malformed (400)",
                    "check the address in the tracker",
                ) from None
            raise _mail_error(exc, "send") from None
        return str(sent.get("id", ""))


def _is_bad_recipient(exc: Exception) -> bool:
    """Only a 400 about this message's recipient is its bounce. Other 400s (a failed
    precondition when delegation or the mailbox is misconfigured) would otherwise
    "bounce" every message in the run and use up everyone's attempts."""
    if _status(exc) != 400:
        return False
    try:
        error = json.loads(getattr(exc, "content", b"") or b"{}").get("error", {})
    except (ValueError, AttributeError):
        return False
    text = str(error.get("message", "")).lower()
    return error.get("status", "INVALID_ARGUMENT") == "INVALID_ARGUMENT" and (
        "to header" in text or "recipient" in text)


def _status(exc: Exception) -> int:
    resp = getattr(exc, "resp", None)
    try:
        return int(getattr(resp, "status", 0) or 0)
    except (TypeError, ValueError):
        return 0


def _mail_error(exc: Exception, what: str) -> MailError:
    status = _status(exc)
    if status in (429, 403):
        return MailError(
            f"Gmail would not {what} ({status}): the mailbox's sending limit or quota is spent",
            "lower mail.daily_cap and run again tomorrow; unsent messages stay pending",
        )
    if status in (401,):
        return MailError(f"Gmail refused the credentials ({status})",
                         "check the service account's delegation and scopes")
    return MailError(
        f"Gmail could not {what} ({status or type(exc).__name__})",
        "run again; messages not confirmed stay pending and are checked first",
    )
