"""The three mailers against real receivers: an outbox folder, an aiosmtpd server on
127.0.0.1 and the Workspace emulator's Gmail. For every message k of a run, the run is
killed before and after k is delivered, rerun, and every due message must arrive once."""

from __future__ import annotations

import email
import socket
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from destsync.adapters.google.gmail import GmailMailer, build_service
from destsync.adapters.local.outbox import OutboxMailer
from destsync.adapters.local.smtp import SmtpMailer
from destsync.config.settings import Config
from destsync.domain.campaigns import message_id
from destsync.domain.plan import OutgoingMessage
from destsync.errors import MailError
from destsync.service.ports import Mailer, StagingMailer
from tests.fakes import MemoryTracker
from tests.mailkit import KillingTracker, killing, run, school_config, school_snapshot

DAY = datetime(2027, 5, 3, 6, 0, tzinfo=UTC)  # survey attempt 1, Form B and a digest
SENDER = "careers@oakfield.example.org"


# -- receivers ------------------------------------------------------------------------
class Inbox:
    """An aiosmtpd handler that keeps what it accepts and refuses bounce@ addresses."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    emulator_mod = pytest.importorskip("tests.emulator")
    emu = emulator_mod.Emulator()
    emu.start()
    yield emu
    emu.stop()


@dataclass
class Backend:
    """Makes a fresh mailer over one durable store, and reads what the store received."""

    make: Callable[[], Mailer]
    delivered: Callable[[], list[str]]  # Message-IDs, one per delivery


@pytest.fixture(params=["outbox", "smtp", "gmail"])
def backend(request: pytest.FixtureRequest, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Backend:
    if request.param == "outbox":
        folder = tmp_path / "outbox"

        def outbox_ids() -> list[str]:
            return [str(email.message_from_bytes(p.read_bytes())["Message-ID"])
                    for p in sorted(folder.glob("*.eml"))]

        return Backend(lambda: OutboxMailer(folder, SENDER, "Careers", SENDER), outbox_ids)
    if request.param == "smtp":
        controller, inbox = request.getfixturevalue("smtp_server")
        inbox.messages.clear()
        journal = tmp_path / "smtp.journal"
        return Backend(
            lambda: SmtpMailer(controller.hostname, controller.port, SENDER, starttls=False,
                               journal=journal, timeout=10),
            lambda: [str(m["Message-ID"]) for m in inbox.messages],
        )
    emu = request.getfixturevalue("emulator")
    emu.reset()
    monkeypatch.setenv("WORKSPACE_EMULATOR_HOST", emu.host)
    emu.gmail_config(search_lag_seconds=30)  # and it replaces every Message-ID on send

    def gmail_ids() -> list[str]:
        # Counted by destsync's own key header: Gmail does not keep the Message-ID.
        return [message_id(m.header("X-Destsync-Key")) for m in emu.state.gmail.messages
                if "SENT" in m.labels]

    return Backend(lambda: GmailMailer(build_service(), SENDER), gmail_ids)


# -- the mailers one by one -----------------------------------------------------------
def outgoing(key: str = "form_b/2026/OAK-1/1", to: str = "parent@example.org") -> OutgoingMessage:
    return OutgoingMessage(key, "OAK-1", "form_b", to, "Zoë's letter", "Hello Zoë\n",
                           "<p>Hello Zoë</p>")


def test_each_mailer_delivers_and_then_knows_it_delivered(backend: Backend) -> None:
    mailer = backend.make()
    if isinstance(mailer, StagingMailer):
        pytest.skip("Gmail knows by its drafts, not by key: tests/integration/test_gmail_drafts.py")
    assert not mailer.already_sent("form_b/2026/OAK-1/1")
    mailer.send(outgoing())
    close = getattr(mailer, "close", None)
    if callable(close):
        close()
    assert backend.delivered() == [message_id("form_b/2026/OAK-1/1")]
    assert backend.make().already_sent("form_b/2026/OAK-1/1")  # a new process knows too
    assert not backend.make().already_sent("form_b/2026/OAK-2/1")


def test_the_outbox_leaves_no_half_written_files(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path, SENDER)
    for i in range(5):
        mailer.send(outgoing(f"form_b/2026/OAK-{i}/1"))
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".eml"] * 5


def test_an_smtp_rejection_is_a_bounce_and_a_dead_server_is_a_mail_error(
    smtp_server: tuple[Controller, Inbox], tmp_path: Path,
) -> None:
    from destsync.errors import RecipientRejected

    controller, _ = smtp_server
    mailer = SmtpMailer(controller.hostname, controller.port, SENDER, starttls=False,
                        journal=tmp_path / "j")
    with pytest.raises(RecipientRejected):
        mailer.send(outgoing(to="bounce@example.org"))
    assert not mailer.already_sent("form_b/2026/OAK-1/1")
    dead = SmtpMailer("127.0.0.1", free_port(), SENDER, starttls=False, timeout=2)
    with pytest.raises(MailError) as err:
        dead.send(outgoing())
    assert "cannot reach" in err.value.message


# -- crash recovery, for every k ------------------------------------------------------
@cache
def config() -> Config:
    return school_config(Path(tempfile.mkdtemp(prefix="destsync-mailers-")))


def run_once(backend: Backend, kill: Callable[[Mailer, MemoryTracker], tuple[Mailer, Any]]
             ) -> tuple[Counter[str], MemoryTracker]:
    cfg = config()
    snap, roster = school_snapshot(2)
    store = MemoryTracker(snap)
    mailer, tracker = kill(backend.make(), store)
    run(cfg, tracker, roster, mailer, DAY)
    assert run(cfg, store, roster, backend.make(), DAY) is not None
    assert run(cfg, store, roster, backend.make(), DAY) is not None  # and again: nothing
    return Counter(backend.delivered()), store


def expected_ids() -> set[str]:
    from tests.mailkit import MemoryMailer

    cfg = config()
    snap, roster = school_snapshot(2)
    mailer = MemoryMailer()
    run(cfg, MemoryTracker(snap), roster, mailer, DAY)
    return {message_id(m.key) for m in mailer.delivered}


def test_the_crash_schedule_covers_several_batches() -> None:
    assert len(expected_ids()) >= 9  # with send_batch = 3: kills land mid-batch and between


@pytest.mark.parametrize("k", range(1, 12))
@pytest.mark.parametrize("after", [False, True], ids=["before-send", "after-send"])
def test_a_run_killed_at_message_k_is_finished_by_the_next_run_exactly_once(
    backend: Backend, k: int, after: bool,
) -> None:
    got, store = run_once(backend, lambda m, t: (killing(m, k, after), t))
    assert max(got.values()) == 1
    assert set(got) == expected_ids()
    assert {e.state for e in store.snap.ledger.values()} == {"sent"}


@pytest.mark.parametrize("n", range(5))
def test_a_run_killed_while_writing_the_ledger_still_sends_each_message_once(
    backend: Backend, n: int,
) -> None:
    got, _ = run_once(backend, lambda m, t: (m, KillingTracker(t.snap, n)))
    assert max(got.values()) == 1
    assert set(got) == expected_ids()
