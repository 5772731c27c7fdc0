"""The mail a local mailer left on disk: the outbox's .eml files and the SMTP journal.

An erasure removes the student's own messages and journal lines, and scrubs them out of
any other message (a staff digest lists Refs); a withdrawal or the end of retention takes
their address out of the messages already written (``scrub``). Each file is replaced by
an atomic rename, so a stop half-way leaves every file whole.
"""

from __future__ import annotations

import contextlib
import email
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

from destsync.adapters.local.outbox import atomic_write
from destsync.domain.campaigns import parse_key
from destsync.domain.scrub import mentions, scrub
from destsync.errors import MailError

LEFTOVERS = (".sending-*.tmp", ".destsync-probe-*")
# A temporary file this old belongs to no live run (a message is written in milliseconds,
# a workbook in seconds), whichever academy's run is going on beside it.
STALE_AFTER = timedelta(minutes=15)


def remove_stale(folder: Path, globs: Sequence[str]) -> int:
    cutoff = (datetime.now(UTC) - STALE_AFTER).timestamp()
    n = 0
    for glob in globs:
        for f in folder.glob(glob):
            with contextlib.suppress(FileNotFoundError):
                if f.stat().st_mtime < cutoff:
                    f.unlink()
                    n += 1
    return n


class LocalMailFiles:
    def __init__(self, outbox: Path | None, journal: Path | None) -> None:
        self.outbox, self.journal = outbox, journal

    def forget(self, keys: set[str], identifiers: Sequence[str]) -> int:
        try:
            return self._emls(keys, identifiers) + self._journal(keys)
        except OSError as exc:
            raise MailError(f"cannot rewrite the mail files ({type(exc).__name__})",
                            "check the outbox folder and the journal are writable, then "
                            "run again; the tracker was not changed") from None

    def remove_leftovers(self) -> int:
        """Temporary files a stopped run left in the outbox (a message half-written)."""
        if self.outbox is None or not self.outbox.is_dir():
            return 0
        return remove_stale(self.outbox, LEFTOVERS)

    def scrub_recipients(self, refs: set[str]) -> int:
        if self.outbox is None or not self.outbox.is_dir() or not refs:
            return 0
        n = 0
        try:
            for f in sorted(self.outbox.glob("*.eml")):
                msg = email.message_from_bytes(f.read_bytes(), policy=policy.default)
                assert isinstance(msg, EmailMessage)
                key = str(msg.get("X-Destsync-Key", ""))
                if key.count("/") < 3 or parse_key(key)[2] not in refs:
                    continue
                to = [a.addr_spec for a in getattr(msg["To"], "addresses", ())]
                if to and _rewrite(msg, to):
                    atomic_write(f, msg.as_bytes())
                    n += 1
        except OSError as exc:
            raise MailError(f"cannot rewrite the outbox ({type(exc).__name__})",
                            "check the outbox folder is writable; the next run tries again"
                            ) from None
        return n

    def _emls(self, keys: set[str], identifiers: Sequence[str]) -> int:
        n = self.remove_leftovers()
        if self.outbox is None or not self.outbox.is_dir():
            return n
        for f in sorted(self.outbox.glob("*.eml")):
            msg = email.message_from_bytes(f.read_bytes(), policy=policy.default)
            assert isinstance(msg, EmailMessage)
            if str(msg.get("X-Destsync-Key", "")) in keys:
                f.unlink()
                n += 1
            elif _rewrite(msg, identifiers):
                atomic_write(f, msg.as_bytes())
                n += 1
        return n

    def _journal(self, keys: set[str]) -> int:
        if self.journal is None or not self.journal.exists() or not keys:
            return 0
        lines = self.journal.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if line.split("\t", 1)[0] not in keys]
        if len(kept) != len(lines):
            atomic_write(self.journal, "".join(kept).encode("utf-8"))
        return len(lines) - len(kept)


def _rewrite(msg: EmailMessage, identifiers: Sequence[str]) -> bool:
    """Scrub ``identifiers`` from the message's headers and text parts, in place."""
    changed = False
    for name in ("To", "Cc", "Subject", "List-Unsubscribe"):
        value = msg.get(name)
        if value is not None and mentions(str(value), identifiers):
            del msg[name]
            if name in ("Subject", "List-Unsubscribe"):
                msg[name] = scrub(str(value), identifiers)
            changed = True
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        assert isinstance(part, EmailMessage)
        text = part.get_content()
        if mentions(text, identifiers):
            part.set_content(scrub(text, identifiers), subtype=part.get_content_subtype(),
                             cte="quoted-printable")
            changed = True
    return changed

