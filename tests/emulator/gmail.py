"""Gmail v1: send (raw RFC 822), drafts, list with a small `q` language, get, profile,
bounces.

As Gmail is reported to behave: a sent message gets a Message-ID of Gmail's own (the
client's is replaced), and `rfc822msgid:` search sees a message only `search_lag_seconds`
after it was stored (the search index lags). Sending a draft deletes it and creates a new
message with a new id and the SENT label; `drafts.get` on it then answers 404
(https://developers.google.com/gmail/api/guides/drafts).
"""

from __future__ import annotations

import base64
import binascii
import copy
import secrets
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from .errors import ApiError, invalid, not_found

Handler = Callable[[dict[str, str], dict[str, Any], Any], dict[str, Any]]
PROFILE_EMAIL = "destsync@example.org"


@dataclass
class Stored:
    id: str
    thread_id: str
    labels: list[str]
    raw: bytes
    msg: EmailMessage
    internal_ms: int
    bounced: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    stored_at: float = field(default_factory=time.monotonic)

    def header(self, name: str) -> str:
        return str(self.msg.get(name, ""))

    def text(self) -> str:
        body = self.msg.get_body(("plain", "html"))
        return body.get_content() if body is not None else ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class GmailStore:
    def __init__(self) -> None:
        self.messages: list[Stored] = []  # oldest first
        self.drafts: dict[str, Stored] = {}  # draft id -> its message (DRAFT label)
        self.search_lag_seconds = 0.0
        self.replace_message_id = True
        self.handlers: dict[str, Handler] = {
            "gmail.users.messages.send": self._send,
            "gmail.users.drafts.create": self._draft_create,
            "gmail.users.drafts.get": self._draft_get,
            "gmail.users.drafts.send": self._draft_send,
            "gmail.users.drafts.delete": self._draft_delete,
            "gmail.users.drafts.list": self._draft_list,
            "gmail.users.messages.list": self._list,
            "gmail.users.messages.get": self._get,
            "gmail.users.getProfile": self._profile,
        }

    @staticmethod
    def _user(p: dict[str, str]) -> None:
        if p["userId"] not in ("me", PROFILE_EMAIL):
            raise ApiError(403, "Delegation denied for " + PROFILE_EMAIL, "PERMISSION_DENIED")

    def by_id(self, message_id: str) -> Stored:
        for m in self.messages:
            if m.id == message_id:
                return m
        raise not_found()

    # -- send -----------------------------------------------------------------------

    def deliver(self, raw: bytes, labels: list[str], thread_id: str | None = None,
                keep_message_id: bool = True) -> Stored:
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if not msg.get("Message-ID") or (not keep_message_id and self.replace_message_id):
            # Gmail adds a Message-ID when the client did not, and users of the API report
            # that messages.send replaces a client-supplied one: nothing may rely on it.
            del msg["Message-ID"]
            msg["Message-ID"] = f"<{secrets.token_hex(12)}@mail.example.org>"
            raw = msg.as_bytes()
        mid = f"{int(time.time() * 1000):x}{secrets.token_hex(4)}"[-16:]
        if thread_id is None:
            parents = f"{msg.get('In-Reply-To', '')} {msg.get('References', '')}".split()
            thread_id = next(
                (m.thread_id for m in self.messages if m.header("Message-ID") in parents), mid
            )
        stored = Stored(mid, thread_id, labels, raw, msg, int(time.time() * 1000))
        self.messages.append(stored)
        return stored

    def _send(self, p: dict[str, str], _q: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(p)
        raw = self._raw(body)
        stored = self.deliver(raw, ["SENT"], body.get("threadId"), keep_message_id=False)
        return {"id": stored.id, "threadId": stored.thread_id, "labelIds": list(stored.labels)}

    @staticmethod
    def _raw(body: Any) -> bytes:
        if not body.get("raw"):
            raise invalid(
                "'raw' RFC822 payload message string or uploading message via /upload/* URL "
                "required"
            )
        try:
            raw = base64.urlsafe_b64decode(body["raw"] + "=" * (-len(body["raw"]) % 4))
        except (binascii.Error, ValueError):
            raise invalid("Invalid value for ByteString: raw") from None
        msg = message_from_bytes(raw, policy=policy.default)
        if not getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []) + msg.get_all("Bcc", [])):
            raise invalid("Invalid To header")
        return raw

    # -- drafts ---------------------------------------------------------------------

    def _draft_create(self, p: dict[str, str], _q: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(p)
        raw = self._raw(body.get("message") or {})
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        mid = f"{int(time.time() * 1000):x}{secrets.token_hex(4)}"[-16:]
        draft_id = "r" + str(int(secrets.token_hex(8), 16))
        stored = Stored(mid, mid, ["DRAFT"], raw, msg, int(time.time() * 1000))
        self.drafts[draft_id] = stored
        return {"id": draft_id, "message": {"id": mid, "threadId": mid, "labelIds": ["DRAFT"]}}

    def _draft(self, draft_id: str) -> Stored:
        if draft_id not in self.drafts:
            raise not_found("Requested entity was not found.")
        return self.drafts[draft_id]

    def _draft_get(self, p: dict[str, str], q: dict[str, Any], _b: Any) -> dict[str, Any]:
        self._user(p)
        m = self._draft(p["id"])
        out: dict[str, Any] = {"id": m.id, "threadId": m.thread_id, "labelIds": ["DRAFT"]}
        if q.get("format") == "raw":
            out["raw"] = _b64(m.raw)
        return {"id": p["id"], "message": out}

    def _draft_send(self, p: dict[str, str], _q: dict[str, Any], body: Any) -> dict[str, Any]:
        self._user(p)
        draft_id = body.get("id", "")
        if not draft_id:
            raise invalid("Invalid draft id")
        draft = self._draft(draft_id)
        del self.drafts[draft_id]
        # A new message, a new id, the SENT label; the draft is gone.
        stored = self.deliver(draft.raw, ["SENT"], None, keep_message_id=False)
        return {"id": stored.id, "threadId": stored.thread_id, "labelIds": list(stored.labels)}

    def _draft_delete(self, p: dict[str, str], _q: dict[str, Any], _b: Any) -> dict[str, Any]:
        self._user(p)
        self._draft(p["id"])
        del self.drafts[p["id"]]
        return {}

    def _draft_list(self, p: dict[str, str], q: dict[str, Any], _b: Any) -> dict[str, Any]:
        self._user(p)
        found = [{"id": d, "message": {"id": m.id, "threadId": m.thread_id}}
                 for d, m in self.drafts.items()]
        return {"drafts": found, "resultSizeEstimate": len(found)} if found else {}

    def bounce(self, message_id: str, reason: str = "Address not found") -> Stored:
        """Mark a sent message bounced: a mailer-daemon notice lands in the inbox, in the
        original's thread, shaped as RFC 3464 says and Gmail's are: multipart/report with
        a human part, a message/delivery-status part (Action: failed) and the original's
        headers (text/rfc822-headers), which carry any header the sender added."""
        orig = self.by_id(message_id)
        orig.bounced = True
        to = orig.header("To")
        returned = orig.raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii",
                                                                              "replace")
        mid = orig.header("Message-ID")
        notice = (
            "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
            f"To: {PROFILE_EMAIL}\nSubject: Delivery Status Notification (Failure)\n"
            f"In-Reply-To: {mid}\nReferences: {mid}\nX-Failed-Recipients: {to}\n"
            "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;"
            ' boundary="dsn"\n\n'
            f"--dsn\nContent-Type: text/plain\n\nYour message wasn't delivered to {to}.\n\n"
            f"{reason}\n\n"
            "--dsn\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; "
            f"googlemail.com\n\nFinal-Recipient: rfc822; {to}\nAction: failed\n"
            "Status: 5.1.1\n\n"
            f"--dsn\nContent-Type: text/rfc822-headers\n\n{returned}\n\n--dsn--\n"
        )
        return self.deliver(notice.encode(), ["INBOX", "UNREAD"], orig.thread_id)

    def reply(self, message_id: str, text: str, sender: str = "",
              headers: dict[str, str] | None = None) -> Stored:
        """A reply to a sent message, filed in its thread as Gmail files one: from its
        recipient (or ``sender``), In-Reply-To the Message-ID Gmail gave it."""
        orig = self.by_id(message_id)
        msg = EmailMessage()
        msg["From"] = sender or orig.header("To")
        msg["To"] = PROFILE_EMAIL
        msg["Subject"] = "Re: " + orig.header("Subject")
        msg["In-Reply-To"] = orig.header("Message-ID")
        msg["References"] = orig.header("Message-ID")
        msg["Date"] = "Wed, 05 May 2027 18:00:00 +0100"
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(text)
        return self.deliver(msg.as_bytes(), ["INBOX", "UNREAD"], orig.thread_id)

    # -- list / get -------------------------------------------------------------------

    @staticmethod
    def _matches(m: Stored, term: str) -> bool:
        op, sep, arg = term.partition(":")
        arg = arg.strip('"').lower()
        if not sep:
            hay = f"{m.header('Subject')} {m.text()}".lower()
            return term.lower().strip('"') in hay
        op = op.lower()
        if op == "rfc822msgid":
            return m.header("Message-ID").strip("<>").lower() == arg.strip("<>")
        if op == "in" or op == "label":
            return arg.upper() in m.labels
        if op in ("to", "from", "cc"):
            return arg in m.header(op).lower()
        if op == "subject":
            return arg in m.header("Subject").lower()
        if op == "newer_than":  # Gmail: d, m or y before now
            units = {"d": 86_400, "m": 30 * 86_400, "y": 365 * 86_400}
            if not arg[:-1].isdigit() or arg[-1:] not in units:
                return False
            return m.internal_ms >= (time.time() - int(arg[:-1]) * units[arg[-1]]) * 1000
        if op == "is":
            return {"unread": "UNREAD" in m.labels, "read": "UNREAD" not in m.labels}.get(
                arg, False
            )
        return term.lower() in f"{m.header('Subject')} {m.text()}".lower()  # Gmail: free text

    def search(self, q: str = "", label_ids: list[str] | None = None) -> list[Stored]:
        try:
            terms = shlex.split(q, posix=False)
        except ValueError:
            terms = q.split()
        found = [
            m
            for m in reversed(self.messages)  # newest first, as Gmail lists
            if m.stored_at <= time.monotonic() - self.search_lag_seconds  # the index lags
            and all(self._matches(m, t) for t in terms)
            and all(label in m.labels for label in (label_ids or []))
        ]
        return found

    def _list(self, p: dict[str, str], q: dict[str, Any], _b: Any) -> dict[str, Any]:
        self._user(p)
        found = self.search(q.get("q", ""), q.get("labelIds"))
        size = min(q.get("maxResults") or 100, 500)
        start = int(q["pageToken"]) if str(q.get("pageToken", "")).isdigit() else 0
        page = found[start : start + size]
        out: dict[str, Any] = {"resultSizeEstimate": len(page)}
        if page:
            out["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if start + size < len(found):
            out["nextPageToken"] = str(start + size)
        return out

    def _get(self, p: dict[str, str], q: dict[str, Any], _b: Any) -> dict[str, Any]:
        self._user(p)
        m = self.by_id(p["id"])
        fmt = q.get("format", "full")
        out: dict[str, Any] = {
            "id": m.id,
            "threadId": m.thread_id,
            "labelIds": list(m.labels),
            "snippet": m.text()[:100].replace("\n", " "),
            "sizeEstimate": len(m.raw),
            "historyId": str(1000 + self.messages.index(m)),
            "internalDate": str(m.internal_ms),
        }
        if fmt == "raw":
            out["raw"] = _b64(m.raw)
        elif fmt in ("metadata", "full"):
            wanted = {h.lower() for h in q.get("metadataHeaders", [])}
            headers = [
                {"name": k, "value": str(v)}
                for k, v in m.msg.items()
                if fmt == "full" or not wanted or k.lower() in wanted
            ]
            payload: dict[str, Any] = {"mimeType": m.msg.get_content_type(), "headers": headers}
            if fmt == "full":
                text = m.text().encode()
                payload["body"] = {"size": len(text), "data": _b64(text)}
            out["payload"] = payload
        return out

    def _profile(self, p: dict[str, str], _q: dict[str, Any], _b: Any) -> dict[str, Any]:
        self._user(p)
        return {
            "emailAddress": PROFILE_EMAIL,
            "messagesTotal": len(self.messages),
            "threadsTotal": len({m.thread_id for m in self.messages}),
            "historyId": str(1000 + len(self.messages)),
        }

    def sent(self) -> list[dict[str, Any]]:
        """Sent messages as plain dicts (to, subject, message_id, body) for assertions."""
        return [
            copy.deepcopy(
                {
                    "id": m.id,
                    "to": m.header("To"),
                    "subject": m.header("Subject"),
                    "message_id": m.header("Message-ID"),
                    "body": m.text(),
                    "bounced": m.bounced,
                }
            )
            for m in self.messages
            if "SENT" in m.labels
        ]

    def sent_count_by(self, header: str, value: str) -> int:
        """How many SENT messages carry ``header: value`` (tests count deliveries by a
        header of their own, never by Message-ID, which Gmail replaces)."""
        return sum(1 for m in self.messages if "SENT" in m.labels and m.header(header) == value)

    def call(
        self, method_id: str, p: dict[str, str], q: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        handler = self.handlers.get(method_id)
        if handler is None:
            raise ApiError(
                501, f"Method {method_id} is not implemented by the emulator", "UNIMPLEMENTED"
            )
        return handler(p, q, body or {})
