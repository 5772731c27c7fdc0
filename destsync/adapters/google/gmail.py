"""Gmail API mailer: sends as the configured mailbox through drafts.

Exactly once rests on something Gmail keeps, not on the Message-ID (users of the API
report that ``messages.send`` replaces a client-supplied one) nor on search (its index
lags a send). Each message goes in two steps:

1. ``prepare``: ``users.drafts.create``; the service records the draft id in the ledger
   (``draft:<id>``, state pending) before step 2.
2. ``send_prepared``: ``users.drafts.send``. "When the draft is sent, the draft is
   automatically deleted and a new message with an updated ID is created with the SENT
   system label" (https://developers.google.com/gmail/api/guides/drafts).

So after a crash ``resolve`` asks ``users.drafts.get``: 200, the draft is still there and
was not sent (send it); 404, it was sent (recorded sent under the draft's token: the new
message's id cannot be found without search). A draft created but never recorded (a crash
between the two writes) is an orphan in the Drafts folder: never sent, so harmless.

Retries are the one policy's (transport.RetryingHttp), under one-shot httplib2 that never
resends by itself. ``drafts.create`` is not idempotent, but an extra draft is never sent,
so the policy may retry it; ``drafts.send`` is retried only on 429 (answered before
anything is done), and any other failure of it is settled here with ``drafts.get``.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any

from destsync.adapters.google.credentials import GMAIL_SCOPES
from destsync.adapters.google.retry import AmbiguousWrite, RetryPolicy, daily_limit
from destsync.domain.email_message import build_email
from destsync.domain.mailback import InboundMail
from destsync.domain.plan import OutgoingMessage
from destsync.errors import (
    CredentialError,
    DestsyncError,
    MailError,
    MailLimitReached,
    RecipientRejected,
    RemoteError,
)

SCOPES = GMAIL_SCOPES  # one list of scopes, kept beside the others in credentials
DRAFT_PREFIX = "draft:"


def build_service(credentials: Any = None, policy: RetryPolicy | None = None) -> Any:
    """A Gmail API client under the one retry policy (credentials.discovery_service:
    one-shot httplib2, RetryingHttp). With ``WORKSPACE_EMULATOR_HOST=host:port`` set it
    talks to that emulator with anonymous credentials."""
    from destsync.adapters.google import credentials as cr

    if cr.emulator_endpoint() is not None:
        from google.auth.credentials import AnonymousCredentials

        credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    if credentials is None:
        raise CredentialError(
            "no Google credentials for the Gmail mailer",
            "set GOOGLE_APPLICATION_CREDENTIALS, or use mail.backend = \"smtp\" or \"outbox\"",
        )
    return cr.discovery_service("gmail", "v1", credentials, policy or RetryPolicy())


class GmailMailer:
    def __init__(self, service: Any, sender: str, *, user: str = "me", sender_name: str = "",
                 reply_to: str = "", calls: Counter[str] | None = None,
                 policy: RetryPolicy | None = None, read_inbox: bool = False) -> None:
        self.service, self.user, self.read_inbox = service, user, read_inbox
        self.policy = policy or RetryPolicy()
        self.sender, self.sender_name, self.reply_to = sender, sender_name, reply_to
        self.calls: Counter[str] = Counter() if calls is None else calls

    def _count(self, method: str) -> None:
        self.calls[method] += 1

    def _drafts(self) -> Any:
        return self.service.users().drafts()

    def probe(self) -> None:
        """Can destsync act as this mailbox? One users.getProfile (and, reading the
        inbox, one users.messages.list), nothing sent."""
        self._count("gmail.getProfile")
        try:
            self.service.users().getProfile(userId=self.user).execute()
        except Exception as exc:
            raise _mail_error(exc, "reach the sending mailbox") from None
        if self.read_inbox:  # the gmail.readonly delegation, which read_inbox needs
            self._count("gmail.messages.list")
            try:
                self.service.users().messages().list(userId=self.user, maxResults=1
                                                      ).execute()
            except Exception as exc:
                raise _read_error(exc) from None

    # -- the two steps, and recovery ------------------------------------------------------

    @staticmethod
    def is_token(recorded: str) -> bool:
        return recorded.startswith(DRAFT_PREFIX)

    def prepare(self, message: OutgoingMessage) -> str:
        em = build_email(message, self.sender, self.sender_name, self.reply_to)
        raw = base64.urlsafe_b64encode(em.as_bytes()).decode("ascii")
        self._count("gmail.drafts.create")
        try:
            draft = self._drafts().create(userId=self.user, body={"message": {"raw": raw}}
                                          ).execute()
        except Exception as exc:
            raise _refused_or_error(exc, message.key, "create a draft") from None
        return DRAFT_PREFIX + str(draft["id"])

    def send_prepared(self, token: str) -> str:
        draft_id = token.removeprefix(DRAFT_PREFIX)
        start, tries = self.policy.clock(), 0
        while True:
            tries += 1
            self._count("gmail.drafts.send")
            try:
                sent = self._drafts().send(userId=self.user, body={"id": draft_id}).execute()
            except AmbiguousWrite as exc:
                # A 5xx or a dropped connection: it may have gone. Ask the draft.
                went = self.resolve(token)
                if went is not None:
                    return went
                # Still there, and Gmail answered (so is done with the request): known
                # not sent, so a retry within the budget is safe. After a dropped
                # connection the request may still be under way there: leave it to
                # the next run, which asks again.
                wait = self.policy.backoff(tries - 1, exc.retry_after)
                spent = self.policy.clock() - start
                if (exc.answered and tries < self.policy.max_attempts
                        and spent + wait <= self.policy.total_seconds):
                    self.policy.sleep(wait)
                    continue
                raise MailError(
                    "Gmail did not confirm a send (its draft is still there, so it did not go)",
                    "run again: the message stays pending and its draft is sent then",
                ) from None
            except Exception as exc:
                raise _refused_or_error(exc, token, "send a draft") from None
            # The thread id: Gmail files a bounce notice and a reply in the thread of the
            # message they answer (mailback matches them by it); a message that starts a
            # thread has the thread's id.
            return str(sent.get("threadId") or sent.get("id") or "") or token

    def resolve(self, token: str) -> str | None:
        """The id to record as sent if the draft went, None if it is still there to send."""
        self._count("gmail.drafts.get")
        try:
            self._drafts().get(userId=self.user, id=token.removeprefix(DRAFT_PREFIX),
                               format="minimal").execute()
        except Exception as exc:
            if _status(exc) == 404:
                return token  # sent: Gmail deletes a draft when it sends it
            raise _mail_error(exc, "look up a draft") from None
        return None

    def discard(self, token: str) -> None:
        """Delete a draft that will not be sent (its key was cancelled)."""
        self._count("gmail.drafts.delete")
        try:
            self._drafts().delete(userId=self.user, id=token.removeprefix(DRAFT_PREFIX)
                                  ).execute()
        except Exception as exc:
            if _status(exc) != 404:
                raise _mail_error(exc, "delete a draft") from None

    # -- mail that came back ------------------------------------------------------------

    def read_mail(self, days: int) -> list[InboundMail]:
        """The inbox's messages of the last ``days`` days (Gmail's own clock), raw, for
        mailback to match: one users.messages.list per 100, one users.messages.get each.
        Nothing unless mail.gmail.read_inbox (it needs gmail.readonly)."""
        if not self.read_inbox:
            return []
        messages = self.service.users().messages()
        found: list[dict[str, Any]] = []
        token: str | None = None
        try:
            while True:
                self._count("gmail.messages.list")
                page = messages.list(userId=self.user, q=f"in:inbox newer_than:{days}d",
                                     maxResults=100, pageToken=token).execute()
                found += page.get("messages", [])
                token = page.get("nextPageToken")
                if not token:
                    break
            out = []
            for m in found:
                self._count("gmail.messages.get")
                got = messages.get(userId=self.user, id=m["id"], format="raw").execute()
                raw = base64.urlsafe_b64decode(got["raw"] + "=" * (-len(got["raw"]) % 4))
                out.append(InboundMail(str(got["id"]), str(got.get("threadId", "")), raw))
        except Exception as exc:
            raise _read_error(exc) from None
        return out

    # -- the plain Mailer port ------------------------------------------------------------

    def already_sent(self, key: str) -> bool:
        """A key with no draft recorded was never sent by this mailer: it sends only drafts
        whose id the ledger already holds (service.sending), so there is nothing to ask."""
        return False

    def send(self, message: OutgoingMessage) -> str:
        """Both steps at once, for callers without a ledger between them."""
        return self.send_prepared(self.prepare(message))


def _read_error(exc: Exception) -> DestsyncError:
    if _status(exc) == 403:
        return MailError("Gmail refused to read the sending mailbox's inbox (403)",
                         "delegate the gmail.readonly scope too, or set "
                         "mail.gmail.read_inbox = false")
    return _mail_error(exc, "read the inbox")


def _error_body(exc: Exception) -> dict[str, Any]:
    try:
        error = json.loads(getattr(exc, "content", b"") or b"{}").get("error", {})
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _refused_or_error(exc: Exception, what_key: str, what: str) -> DestsyncError:
    if _is_bad_recipient(exc):
        return RecipientRejected(
            f"Gmail refused {what_key} as malformed (400)", "check the address in the tracker"
        )
    return _mail_error(exc, what)


def _is_bad_recipient(exc: Exception) -> bool:
    """Only a 400 about this message's recipient is its bounce. Other 400s (a failed
    precondition when delegation or the mailbox is misconfigured) would otherwise
    "bounce" every message in the run and use up everyone's attempts."""
    if _status(exc) != 400:
        return False
    error = _error_body(exc)
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
    if isinstance(exc, RemoteError) and not isinstance(exc, MailError):
        return MailError(f"Gmail could not {what}: {exc.message}", exc.hint)
    status = _status(exc)
    limit = daily_limit(status, getattr(exc, "content", b""))
    if limit:
        return MailLimitReached(
            f"Gmail would not {what}: the mailbox's daily sending limit is reached "
            f"({status}: {limit[:120]})",
            "the rest stay pending for the next run; set mail.daily_cap below the "
            "mailbox's own daily limit",
        )
    if status == 403:
        return MailError(f"Gmail refused to {what} (403)",
                         "check the service account's delegation and the gmail.compose scope")
    if status == 401:
        return MailError(f"Gmail refused the credentials ({status})",
                         "check the service account's delegation and scopes")
    return MailError(
        f"Gmail could not {what} ({status or type(exc).__name__})",
        "run again; messages not confirmed stay pending and are checked first",
    )
