"""Gmail under the one retry policy: a per-minute 429 or a 5xx is waited out within the
budget where that is safe, and only the mailbox's daily limit defers the rest."""

from __future__ import annotations

from typing import Any

from destsync.adapters.google.gmail import GmailMailer, build_service
from destsync.adapters.google.retry import RetryPolicy
from destsync.service.sync import RunResult
from tests.emulator import Emulator
from tests.fakes import MemoryTracker
from tests.integration.test_gmail_drafts import DAY, SENDER, _config_dir, deliveries, due_keys
from tests.mailkit import run, school_config, school_snapshot

SEND = "gmail.users.drafts.send"
CREATE = "gmail.users.drafts.create"


def recording_policy(slept: list[float]) -> RetryPolicy:
    return RetryPolicy(total_seconds=30, first_delay=0.001, max_delay=0.002, max_attempts=8,
                       sleep=slept.append, rand=lambda: 0.5)


def one_run(slept: list[float], store: MemoryTracker | None = None) -> tuple[Any, MemoryTracker]:
    cfg = school_config(_config_dir())
    snap, roster = school_snapshot(2)
    store = store or MemoryTracker(snap)
    policy = recording_policy(slept)
    mailer = GmailMailer(build_service(None, policy), SENDER, policy=policy)
    return run(cfg, store, roster, mailer, DAY), store


def test_a_per_minute_429_on_send_is_waited_out_honouring_retry_after(
    gmail_emu: Emulator,
) -> None:
    slept: list[float] = []
    gmail_emu.fault(429, count=2, methods=[SEND], retry_after=3, skip=4)
    result, _ = one_run(slept)
    assert isinstance(result, RunResult) and result.emails_sent == len(due_keys())
    assert slept.count(3.0) == 2  # Retry-After is the floor of each wait
    got = deliveries(gmail_emu)
    assert set(got) == due_keys() and max(got.values()) == 1


def test_a_503_on_create_and_on_send_is_retried_where_the_send_is_known_not_to_have_gone(
    gmail_emu: Emulator,
) -> None:
    slept: list[float] = []
    gmail_emu.fault(503, count=1, methods=[CREATE], retry_after=2)
    gmail_emu.fault(503, count=2, methods=[SEND], retry_after=1, skip=1)
    result, _ = one_run(slept)
    assert isinstance(result, RunResult) and result.emails_sent == len(due_keys())
    assert 2.0 in slept and slept.count(1.0) == 2
    got = deliveries(gmail_emu)
    assert set(got) == due_keys() and max(got.values()) == 1
    # A 503 to a send is settled by asking the draft before it is sent again.
    assert gmail_emu.calls()["gmail.users.drafts.get"] == 2


def test_only_the_daily_limit_defers_the_rest_and_says_which_limit(
    gmail_emu: Emulator,
) -> None:
    slept: list[float] = []
    gmail_emu.fault(429, count=1000, methods=[SEND], skip=3,
                    message="Daily user sending limit exceeded. For more information "
                            "visit https://support.google.com/mail/answer/22839")
    result, store = one_run(slept)
    assert isinstance(result, RunResult)  # not a failed run: the tracker is written
    s = result.summary()
    assert s["emails_sent"] == 3 and s["emails_held_by_limit"] == len(due_keys()) - 3
    assert "daily sending limit" in s["mail_limit"] and "429" in s["mail_limit"]
    assert slept == []  # a daily limit is not waited out
    assert gmail_emu.calls()[SEND] == 4
    gmail_emu.clear_faults()
    again, _ = one_run(slept, store)
    assert isinstance(again, RunResult) and again.summary()["mail_limit"] == ""
    got = deliveries(gmail_emu)
    assert set(got) == due_keys() and max(got.values()) == 1
    assert {e.state for e in store.snap.ledger.values()} == {"sent"}


def test_which_answers_are_a_daily_limit() -> None:
    from destsync.adapters.google.retry import daily_limit

    def body(reason: str, message: str) -> bytes:
        import json

        return json.dumps({"error": {"code": 403, "message": message,
                                     "errors": [{"reason": reason, "domain": "usageLimits"}]}}
                          ).encode()

    assert daily_limit(403, body("dailyLimitExceeded", "Daily Limit Exceeded"))
    assert daily_limit(429, body("rateLimitExceeded", "Daily user sending limit exceeded."))
    assert not daily_limit(403, body("userRateLimitExceeded", "User Rate Limit Exceeded"))
    assert not daily_limit(429, body("rateLimitExceeded", "Rate Limit Exceeded"))
    assert not daily_limit(500, body("dailyLimitExceeded", "x"))
    assert not daily_limit(403, b"not json")
