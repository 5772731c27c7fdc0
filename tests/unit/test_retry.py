"""The one retry policy: backoff with jitter, Retry-After, a bounded total, and the rule
that a non-idempotent write is retried only when Google certainly did not apply it."""

from __future__ import annotations

import pytest

from destsync.adapters.google.calls import method_name, short_name
from destsync.adapters.google.retry import (
    AmbiguousWrite,
    Outcome,
    RetryBudgetExceeded,
    RetryPolicy,
    parse_retry_after,
    run,
)
from destsync.errors import RemoteError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def policy(clock: Clock, **kw: float) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=lambda: clock.now, rand=lambda: 1.0, **kw)  # type: ignore[arg-type]


def answers(*statuses: int) -> tuple[list[int], object]:
    calls: list[int] = []
    queue = list(statuses)

    def attempt() -> int:
        calls.append(1)
        return queue.pop(0)

    return calls, attempt


def test_transient_statuses_are_retried_with_exponential_backoff() -> None:
    clock = Clock()
    calls, attempt = answers(503, 429, 500, 502, 504, 200)
    assert run(policy(clock), "sheets.get", attempt, Outcome) == 200  # type: ignore[arg-type]
    assert len(calls) == 6
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_jitter_spreads_waits_below_the_exponential_ceiling() -> None:
    p = RetryPolicy(rand=lambda: 0.25)
    assert [p.backoff(i, None) for i in range(3)] == [0.25, 0.5, 1.0]
    assert RetryPolicy(rand=lambda: 1.0).backoff(10, None) == 32.0  # capped


def test_retry_after_is_a_floor_for_the_wait() -> None:
    clock = Clock()
    queue = [Outcome(429, 7.0), Outcome(200)]
    run(policy(clock), "sheets.get", lambda: queue.pop(0), lambda o: o)
    assert clock.sleeps == [7.0]


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_other_errors_are_returned_at_once_for_the_sdk_to_report() -> None:
    clock = Clock()
    calls, attempt = answers(403, 200)
    assert run(policy(clock), "sheets.get", attempt, Outcome) == 403  # type: ignore[arg-type]
    assert len(calls) == 1 and clock.sleeps == []


def test_the_total_time_is_bounded_and_ends_in_one_clear_error() -> None:
    clock = Clock()
    with pytest.raises(RetryBudgetExceeded) as caught:
        run(policy(clock, total_seconds=20), "sheets.values.batchGet", lambda: 503, Outcome)
    assert sum(clock.sleeps) <= 20
    assert isinstance(caught.value, RemoteError)
    assert "sheets.values.batchGet still failing (HTTP 503)" in caught.value.message
    assert "\n" not in caught.value.message


def test_dropped_connections_are_retried_when_the_request_is_idempotent() -> None:
    clock = Clock()
    state = {"n": 0}

    def attempt() -> int:
        state["n"] += 1
        if state["n"] < 3:
            raise ConnectionResetError("peer reset")
        return 200

    assert run(policy(clock), "x", attempt, Outcome, transient=(OSError,)) == 200
    assert state["n"] == 3


def test_a_non_idempotent_write_is_retried_on_429_only() -> None:
    clock = Clock()
    _, attempt = answers(429, 200)
    assert run(policy(clock), "sheets.batchUpdate", attempt, Outcome,  # type: ignore[arg-type]
               idempotent=False) == 200
    _, attempt2 = answers(503)
    with pytest.raises(AmbiguousWrite):
        run(policy(clock), "sheets.batchUpdate", attempt2, Outcome,  # type: ignore[arg-type]
            idempotent=False)

    def drops() -> int:
        raise ConnectionResetError

    with pytest.raises(AmbiguousWrite):
        run(policy(clock), "gmail.messages.send", drops, Outcome, transient=(OSError,),
            idempotent=False)


@pytest.mark.parametrize(("verb", "url", "name"), [
    ("GET", "https://sheets.googleapis.com/v4/spreadsheets/abc", "sheets.get"),
    ("POST", "http://127.0.0.1:9/v4/spreadsheets/abc:batchUpdate", "sheets.batchUpdate"),
    ("GET", "http://h/v4/spreadsheets/abc/values:batchGet?ranges=A", "sheets.values.batchGet"),
    ("POST", "http://h/v4/spreadsheets/a/values:batchGetByDataFilter",
     "sheets.values.batchGetByDataFilter"),
    ("GET", "http://h/v1/forms/f1/responses?pageSize=5000", "forms.responses.list"),
    ("POST", "http://h/gmail/v1/users/me/messages/send", "gmail.messages.send"),
])
def test_calls_are_named_by_api_and_method_from_the_discovery_documents(
    verb: str, url: str, name: str
) -> None:
    assert method_name(verb, url) == name


def test_short_names_drop_the_top_level_resource() -> None:
    assert short_name("sheets.spreadsheets.values.batchGet") == "sheets.values.batchGet"
    assert short_name("forms.forms.get") == "forms.get"


def test_retries_go_to_the_log_at_debug_level_only(caplog: pytest.LogCaptureFixture) -> None:
    # With no logging configured, Python prints WARNING records to stderr: an outage
    # would print a line per retry before its one error line.
    caplog.set_level("DEBUG", logger="destsync.retry")
    with pytest.raises(RetryBudgetExceeded):
        run(policy(Clock(), total_seconds=20), "sheets.values.batchGet", lambda: 503, Outcome)
    assert caplog.records and all(r.levelname == "DEBUG" for r in caplog.records)
