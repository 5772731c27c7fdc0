"""SMTP without a lasting disk: ``mail.smtp.journal = "tracker"`` keeps no file; the
ledger's sent rows, written after every message by default, are the journal. A run killed
at any message is finished by the next run; the one message that can go twice is the one
killed between the server's 250 and its ledger write, the window the README states."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from destsync.adapters.local.smtp import SmtpMailer
from destsync.config.settings import Config, parse_config
from destsync.domain.campaigns import message_id
from tests.fakes import MemoryTracker
from tests.integration.test_mailers import (  # noqa: F401 (fixture)
    DAY,
    SENDER,
    Inbox,
    smtp_server,
)
from tests.mailkit import MemoryMailer, killing, run, school_config, school_snapshot


def _config(journal: str = "tracker", batch: int = 1) -> Config:
    folder = Path(tempfile.mkdtemp(prefix="destsync-smtp-tracker-"))
    return school_config(folder, {"backend": "smtp", "smtp": {"journal": journal},
                                  "send_batch": batch})


def _default_batch(journal: str) -> int:
    data = {"trust": {"name": "T"}, "mail": {"backend": "smtp", "smtp": {"journal": journal}},
            "academies": [{"code": "OAK", "name": "O", "careers_email": SENDER,
                           "responses": {"backend": "csv", "path": "r.csv"},
                           "tracker": {"backend": "xlsx", "path": "t.xlsx"}}]}
    folder = Path(tempfile.mkdtemp())
    (folder / "r.csv").write_text("", encoding="utf-8")
    return parse_config(data, folder / "d.toml").mail.send_batch


class CountingTracker(MemoryTracker):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.ledger_writes = 0

    def record_ledger(self, entries, last=True):  # type: ignore[no-untyped-def]
        entries = list(entries)
        # The send phase's last flush may carry nothing new (it folds a journal into the
        # one save); only a flush that records a message is a ledger write.
        self.ledger_writes += bool(entries)
        super().record_ledger(entries, last=last)


def test_the_tracker_journal_keeps_no_file_and_records_every_message_at_once(
    smtp_server: tuple[Controller, Inbox],  # noqa: F811 (the fixture)
) -> None:
    cfg = _config()
    assert cfg.mail.smtp.journal is None
    assert (_default_batch("tracker"), _default_batch("smtp-sent.journal")) == (1, 50)
    controller, inbox = smtp_server
    inbox.messages.clear()
    snap, roster = school_snapshot(2)
    store = CountingTracker(snap)
    mailer = SmtpMailer(controller.hostname, controller.port, SENDER, starttls=False)
    result = run(cfg, store, roster, mailer, DAY)
    assert result is not None and result.emails_sent == len(inbox.messages) >= 9
    # One write per message, after the one of the pending rows before the first send.
    assert store.ledger_writes == result.emails_sent + 1
    assert not list(cfg.file.parent.glob("*.journal"))


@pytest.mark.parametrize("k", range(1, 10))
@pytest.mark.parametrize("after", [False, True], ids=["before-send", "after-send"])
def test_a_kill_at_message_k_sends_each_once_but_the_one_in_the_window(
    smtp_server: tuple[Controller, Inbox], k: int, after: bool,  # noqa: F811
) -> None:
    cfg = _config()
    controller, inbox = smtp_server
    inbox.messages.clear()
    expected = MemoryMailer()
    run(cfg, MemoryTracker(school_snapshot(2)[0]), school_snapshot(2)[1], expected, DAY)
    snap, roster = school_snapshot(2)
    store = MemoryTracker(snap)

    def smtp() -> SmtpMailer:
        return SmtpMailer(controller.hostname, controller.port, SENDER, starttls=False)

    assert run(cfg, store, roster, killing(smtp(), k, after), DAY) is None
    assert run(cfg, store, roster, smtp(), DAY) is not None
    assert run(cfg, store, roster, smtp(), DAY) is not None  # and again: nothing
    got = Counter(str(m["Message-ID"]) for m in inbox.messages)
    assert set(got) == {message_id(m.key) for m in expected.delivered}
    twice = [mid for mid, n in got.items() if n > 1]
    assert len(twice) == (1 if after else 0) and max(got.values()) <= 2
    assert {e.state for e in store.snap.ledger.values()} == {"sent"}
