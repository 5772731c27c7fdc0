"""The local mailer: each message is an ``.eml`` file in a folder (the default backend).

A school without a mail integration can open the files in any mail client, or hand the
folder to another tool. The file name comes from the ledger key, and a file appears only
by an atomic rename, so "is the file there?" answers "did it go?" exactly: the outbox is
exactly-once even across a crash at any instruction.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

from destsync.domain.email_message import build_email
from destsync.domain.plan import OutgoingMessage
from destsync.errors import MailError


def file_name(key: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", ".", key).strip(".")[:80]
    # The hash keeps two keys that sanitise alike apart.
    return f"{safe}.{hashlib.sha256(key.encode()).hexdigest()[:8]}.eml"


class OutboxMailer:
    def __init__(self, folder: Path, sender: str, sender_name: str = "",
                 reply_to: str = "") -> None:
        self.folder = folder
        self.sender, self.sender_name, self.reply_to = sender, sender_name, reply_to

    def probe(self) -> None:
        """The outbox folder can be written to (made if missing)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".destsync-probe-"):
                pass
        except OSError as exc:
            raise MailError(f"the outbox folder {self.folder} cannot be written to "
                            f"({type(exc).__name__})",
                            "fix mail.outbox or the folder's permissions") from None

    def path_for(self, key: str) -> Path:
        return self.folder / file_name(key)

    def already_sent(self, key: str) -> bool:
        return self.path_for(key).exists()

    def send(self, message: OutgoingMessage) -> str:
        em = build_email(message, self.sender, self.sender_name, self.reply_to)
        data = em.as_bytes()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path_for(message.key), data)
        except OSError as exc:
            raise MailError(
                f"cannot write to the outbox {self.folder} ({type(exc).__name__})",
                "check the folder exists and is writable; unsent messages stay pending",
            ) from None
        return str(em["Message-ID"])


def atomic_write(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` whole, or keeps what it held: a crash leaves at most a
    ``.sending-*.tmp`` file, which the next run removes (``mail_files``)."""
    fd, tmp = tempfile.mkstemp(prefix=".sending-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible (or needed) on every platform.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
