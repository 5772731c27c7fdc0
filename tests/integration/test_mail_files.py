"""What the local mailers left on disk, after an erasure or a withdrawal: the SMTP journal
(written by a real send to an aiosmtpd server) and the outbox's .eml files."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

from destsync.adapters.local.mail_files import LocalMailFiles
from destsync.adapters.local.outbox import OutboxMailer
from destsync.adapters.local.smtp import SmtpMailer
from destsync.domain.plan import OutgoingMessage
from tests.integration.test_mailers import Inbox, smtp_server  # noqa: F401 (fixture)

SENDER = "careers@oakfield.example.org"


def message(ref: str, to: str) -> OutgoingMessage:
    return OutgoingMessage(f"autumn_check/2026/{ref}/1", ref, "autumn_check", to,
                           "How did results day go?", f"Hello, we write to {to}.\n",
                           f"<p>Hello, we write to {to}.</p>")


def test_an_erasure_takes_the_students_lines_out_of_the_smtp_journal(
        tmp_path: Path, smtp_server: tuple[Controller, Inbox]) -> None:  # noqa: F811
    controller, _ = smtp_server
    journal = tmp_path / "smtp-sent.journal"
    mailer = SmtpMailer(controller.hostname, controller.port, SENDER, starttls=False,
                        journal=journal, timeout=10)
    gone, kept = message("OAK-1", "ann@example.org"), message("OAK-2", "bob@example.org")
    mailer.send(gone)
    mailer.send(kept)
    mailer.close()
    assert LocalMailFiles(None, journal).forget({gone.key}, ["ann@example.org"]) == 1
    assert "OAK-1" not in journal.read_text(encoding="utf-8")
    again = SmtpMailer(controller.hostname, controller.port, SENDER, journal=journal)
    assert not again.already_sent(gone.key) and again.already_sent(kept.key)


def test_an_erasure_and_a_withdrawal_in_the_outbox(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path, SENDER)
    for m in (message("OAK-1", "ann@example.org"), message("OAK-2", "bob@example.org"),
              message("OAK-3", "cy@example.org")):
        outbox.send(m)
    files = LocalMailFiles(tmp_path, None)
    assert files.forget({"autumn_check/2026/OAK-1/1"}, ["ann@example.org"]) == 1
    assert files.scrub_recipients({"OAK-2"}) == 1
    mails = {str(m["X-Destsync-Key"]): m for m in (
        email.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in tmp_path.glob("*.eml"))}
    assert sorted(mails) == ["autumn_check/2026/OAK-2/1", "autumn_check/2026/OAK-3/1"]
    withdrawn = mails["autumn_check/2026/OAK-2/1"]
    assert withdrawn["To"] is None and "bob@example.org" not in withdrawn.as_string()
    assert str(mails["autumn_check/2026/OAK-3/1"]["To"]) == "cy@example.org"
