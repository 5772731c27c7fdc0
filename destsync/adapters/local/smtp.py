"""SMTP mailer, for schools whose mail is not on Google Workspace.

SMTP cannot be asked "did you already take this message?", so the mailer keeps a journal:
one line per accepted message, appended and flushed to disk right after the server says
250. ``already_sent`` reads it. The one gap left is a crash between the server's 250 and
the journal write (microseconds); the deterministic Message-ID then still lets a receiving
mail system such as Gmail drop the duplicate. With ``journal = "tracker"`` (no lasting
disk) there is no file: the ledger's sent rows, written every ``send_batch`` messages
(default 1 then), are the journal, and the gap is one Sheets write.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from datetime import UTC, datetime
from pathlib import Path

from destsync.domain.email_message import build_email
from destsync.domain.plan import OutgoingMessage
from destsync.errors import MailError, RecipientRejected


class SmtpMailer:
    def __init__(
        self, host: str, port: int, sender: str, *, sender_name: str = "", reply_to: str = "",
        starttls: bool = True, use_ssl: bool = False, username: str = "", password: str = "",
        journal: Path | None = None, timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.sender, self.sender_name, self.reply_to = sender, sender_name, reply_to
        self.starttls, self.use_ssl = starttls, use_ssl
        self.username, self.password = username, password
        self.journal = journal
        self._conn: smtplib.SMTP | None = None
        self._sent: set[str] | None = None

    # -- the journal --------------------------------------------------------------------
    def _journal_keys(self) -> set[str]:
        if self._sent is None:
            self._sent = set()
            if self.journal is not None and self.journal.exists():
                for line in self.journal.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        self._sent.add(line.split("\t", 1)[0])
        return self._sent

    def already_sent(self, key: str) -> bool:
        return key in self._journal_keys()

    def _remember(self, key: str, mid: str) -> None:
        self._journal_keys().add(key)
        if self.journal is None:
            return
        try:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with self.journal.open("a", encoding="utf-8") as fh:
                fh.write(f"{key}\t{mid}\t{datetime.now(UTC).isoformat(timespec='seconds')}\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:  # a read-only mount (Cloud Run's config volume), a full disk
            raise MailError(
                f"the SMTP journal {self.journal.name} cannot be written ({type(exc).__name__})",
                'set mail.smtp.journal = "tracker" where there is no lasting disk; the '
                "message just sent stays pending",
            ) from None

    # -- the connection -----------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        try:
            conn: smtplib.SMTP
            if self.use_ssl:
                conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.starttls:
                    conn.starttls(context=ssl.create_default_context())
            if self.username:
                conn.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError:
            raise MailError(
                f"the SMTP server {self.host} refused the login",
                "check mail.smtp.username and the password environment variable",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(
                f"cannot reach the SMTP server {self.host}:{self.port} ({type(exc).__name__})",
                "check mail.smtp host, port and starttls; unsent messages stay pending",
            ) from None
        self._conn = conn
        return conn

    def probe(self) -> None:
        """Connect, STARTTLS or SSL, EHLO and log in, then let go; nothing is sent."""
        self._connect()
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._conn = None

    def send(self, message: OutgoingMessage) -> str:
        em = build_email(message, self.sender, self.sender_name, self.reply_to)
        mid = str(em["Message-ID"])
        conn = self._connect()
        try:
            refused = conn.send_message(em)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise RecipientRejected(
                    f"the SMTP server refused the recipient of {message.key}",
                    "check the address in the tracker",
                ) from None
            # A 4xx (greylisting, a rate limit) is "try later", not a bounce: counting it
            # would use up an attempt and, repeated, record a working address as 820.
            raise MailError(
                f"the SMTP server deferred {message.key} ({', '.join(map(str, codes))})",
                "run again later; the message stays pending",
            ) from None
        except smtplib.SMTPServerDisconnected:
            self._conn = None
            raise MailError(
                f"the SMTP server {self.host} closed the connection",
                "run again; messages not confirmed stay pending and are checked first",
            ) from None
        except smtplib.SMTPResponseException as exc:
            # Only a 5xx about this message is its bounce; a refused sender or greeting
            # is the server's problem, and would otherwise bounce every message.
            per_message = not isinstance(
                exc, smtplib.SMTPSenderRefused | smtplib.SMTPHeloError)
            if 500 <= exc.smtp_code < 600 and per_message:
                raise RecipientRejected(
                    f"the SMTP server rejected {message.key} ({exc.smtp_code})",
                    "check the address in the tracker",
                ) from None
            raise MailError(
                f"the SMTP server {self.host} answered {exc.smtp_code}",
                "run again later; unsent messages stay pending",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._conn = None
            raise MailError(
                f"sending through {self.host} failed ({type(exc).__name__})",
                "run again; messages not confirmed stay pending and are checked first",
            ) from None
        # ``refused`` lists recipients refused among several; the message still went to
        # the others, so it counts as sent.
        del refused
        self._remember(message.key, mid)
        return mid
