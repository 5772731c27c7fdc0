"""Reading bounces and replies back under the crash sweep: a run that reads the inbox
(one bounce notice, one reply) and then sends the day's reminders, killed at each of its
Gmail calls before the call or with its answer lost, then rerun, ends exactly where an
uninterrupted run ends: each due message once, the bounce and the reply recorded once,
and no reminder to the leaver who replied."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from destsync.adapters.google import transport
from destsync.adapters.google.gmail import GmailMailer, build_service
from destsync.errors import MailError
from tests.emulator import Emulator
from tests.fakes import MemoryTracker
from tests.integration.test_gmail_drafts import DAY, SENDER, CallKiller, _config_dir, fast
from tests.mailkit import run, school_config, school_snapshot

SECOND = DAY + timedelta(days=14)  # the survey's attempt 2


def _mailer() -> GmailMailer:
    return GmailMailer(build_service(None, fast()), SENDER, read_inbox=True)


def _first_day(emu: Emulator) -> tuple[MemoryTracker, list[Any]]:
    """Day one sent cleanly; then a notice bounces one leaver and another replies."""
    snap, roster = school_snapshot(2)
    store = MemoryTracker(snap)
    assert run(school_config(_config_dir()), store, roster, _mailer(), DAY) is not None
    survey = sorted((m for m in emu.state.gmail.messages if "SENT" in m.labels
                     and m.header("X-Destsync-Key").startswith("annual_survey/")),
                    key=lambda m: m.header("X-Destsync-Key"))
    emu.state.gmail.bounce(survey[0].id)
    emu.state.gmail.reply(survey[1].id, "I'm at Example College.")
    return store, roster


def _second_day(emu: Emulator, store: MemoryTracker, roster: list[Any]
                ) -> tuple[Counter[str], dict[str, str]]:
    cfg = school_config(_config_dir())
    for _ in range(2):  # the (re)run, and one more that must find nothing to do
        assert run(cfg, store, roster, _mailer(), SECOND) is not None
    sent = Counter(m.header("X-Destsync-Key") for m in emu.state.gmail.messages
                   if "SENT" in m.labels)
    return sent, {k: e.state for k, e in store.snap.ledger.items()}


@pytest.fixture(scope="module")
def clean(gmail_emulator: Emulator) -> tuple[Counter[str], dict[str, str], int]:
    """What an uninterrupted second day gives, and how many Gmail calls it makes."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKSPACE_EMULATOR_HOST", gmail_emulator.host)
        gmail_emulator.reset()
        store, roster = _first_day(gmail_emulator)
        before = sum(n for m, n in gmail_emulator.calls().items() if m.startswith("gmail."))
        assert run(school_config(_config_dir()), store, roster, _mailer(), SECOND)
        calls = sum(n for m, n in gmail_emulator.calls().items()
                    if m.startswith("gmail.")) - before
        sent, states = _second_day(gmail_emulator, store, roster)
    return sent, states, calls


def test_the_clean_second_day_reads_the_bounce_and_the_reply_and_skips_the_replier(
    clean: tuple[Counter[str], dict[str, str], int],
) -> None:
    sent, states, calls = clean
    assert max(sent.values()) == 1
    assert sorted(s for s in states.values() if s in ("bounced", "replied")) == [
        "bounced", "replied"]
    replier = next(k.split("/")[2] for k, s in states.items() if s == "replied")
    assert not [k for k in sent if k.startswith(f"annual_survey/2027/{replier}/2")]
    assert calls >= 3 + 2 * 4  # one list, two gets, and the day's drafts


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["before", "answer"])
@pytest.mark.parametrize("k", range(1, 24))
def test_a_second_day_stopped_at_gmail_call_k_ends_as_the_clean_one(
    gmail_emu: Emulator, monkeypatch: pytest.MonkeyPatch, k: int, mode: str,
    clean: tuple[Counter[str], dict[str, str], int],
) -> None:
    want_sent, want_states, calls = clean
    if k > calls:
        pytest.skip(f"the second day makes {calls} Gmail calls")
    # Listing the inbox is a search, which lags: mail that came in the last moments is
    # seen by the next run (harmless: reading again changes nothing). Here it has settled.
    gmail_emu.gmail_config(search_lag_seconds=0)
    store, roster = _first_day(gmail_emu)
    with monkeypatch.context() as mp:
        killer = CallKiller(k, mode)
        mp.setattr(transport, "one_shot_http", killer.factory(transport.one_shot_http))
        try:
            assert run(school_config(_config_dir()), store, roster, _mailer(), SECOND) is None
        except MailError:
            pass
    sent, states = _second_day(gmail_emu, store, roster)
    assert max(sent.values()) == 1
    assert set(sent) == set(want_sent)
    assert states == want_states
