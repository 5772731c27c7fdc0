"""The one retry policy for every Google API destsync calls (Sheets, Forms, Gmail).

Exponential backoff with full jitter on 429, 500, 502, 503, 504 and on dropped
connections, honouring ``Retry-After``, within a bounded total time per request. When the
budget is spent the request fails with ``RetryBudgetExceeded`` (a ``RemoteError``), so a
run stops cleanly; the trackers order their writes so that stopping between any two
requests leaves the sheet consistent.

A write that is not idempotent (it appends rows or sends a message) is retried only on
429, which Google answers before doing anything. Any other failure of such a write is
*ambiguous* (it may have been applied) and raises ``AmbiguousWrite`` so that the caller,
who knows how to check, decides.

This module is the policy alone; ``transport`` puts it under the SDKs, ``calls`` names
and counts the calls, ``emulator`` routes them to a local emulator.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from destsync.adapters.google.emulator import EMULATOR_REFUSED_SECONDS, EmulatorUnreachable, refused
from destsync.adapters.google.pacing import Pacer
from destsync.errors import RemoteError

log = logging.getLogger("destsync.retry")

RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
# Requests that add something each time they run: retried only on 429.
NON_IDEMPOTENT: frozenset[str] = frozenset({
    "sheets.batchUpdate",
    "sheets.create",
    "forms.create",
    "forms.batchUpdate",
    "gmail.messages.send",
    "gmail.drafts.send",
})
T = TypeVar("T")


class RetryBudgetExceeded(RemoteError):
    """A request kept failing with a transient error until the retry budget ran out."""


class AmbiguousWrite(RemoteError):
    """A non-idempotent write failed in a way that does not say whether it was applied."""

    def __init__(self, label: str, detail: str, retry_after: float | None = None) -> None:
        super().__init__(
            f"{label} failed ({detail}) and may or may not have been applied",
            "run the sync again: destsync checks what is already written",
        )
        self.label = label
        # The server answered (a 5xx), so it is done with the request; a dropped
        # connection says nothing of a request that may still be under way there.
        self.answered = detail.startswith("HTTP ")
        self.retry_after = retry_after


@dataclass
class RetryPolicy:
    """Backoff settings. ``total_seconds`` bounds the time one request may take,
    attempts and waits together; the clock, sleep and random source are injectable so
    tests run in no time."""

    total_seconds: float = 120.0
    first_delay: float = 1.0
    max_delay: float = 32.0
    max_attempts: int = 10
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    # Jitter, not secrecy: a plain PRNG is right here.
    rand: Callable[[], float] = field(default_factory=lambda: random.Random().random)  # noqa: S311
    # The run's pacer (``pacing``): every attempt, retries too, waits for its quota first.
    pacer: Pacer | None = None

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based). Full jitter spreads
        the retries of many jobs; Retry-After, when given, is a floor."""
        ceiling = min(self.max_delay, self.first_delay * (2**attempt))
        return float(max(ceiling * self.rand(), retry_after or 0.0))


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class Outcome:
    """What one attempt returned, as far as the policy cares."""

    status: int  # HTTP status; 0 for a transport error
    retry_after: float | None = None
    detail: str = ""
    final: bool = False  # an answer no wait within the budget can change (a daily limit)


# Gmail's answers for a spent daily limit, as opposed to a per-minute rate limit
# (userRateLimitExceeded, rateLimitExceeded), which a wait does cure. See "Resolve errors"
# (https://developers.google.com/gmail/api/guides/handle-errors) and the usage limits
# (https://developers.google.com/gmail/api/reference/quota).
DAILY_LIMIT_REASONS = frozenset({"dailyLimitExceeded"})
DAILY_LIMIT_WORDS = ("daily limit exceeded", "daily user sending limit exceeded")


def daily_limit(status: int, content: bytes | str | None) -> str:
    """The limit named by a 403/429 answer when it is a daily one, else ""."""
    if status not in (403, 429) or not content:
        return ""
    import json

    try:
        error = json.loads(content).get("error", {})
    except (ValueError, AttributeError):
        return ""
    if not isinstance(error, dict):
        return ""
    reasons = {str(e.get("reason", "")) for e in error.get("errors", []) if isinstance(e, dict)}
    text = str(error.get("message", ""))
    if reasons & DAILY_LIMIT_REASONS or any(w in text.lower() for w in DAILY_LIMIT_WORDS):
        return text.strip() or "dailyLimitExceeded"
    return ""


def run(
    policy: RetryPolicy,
    label: str,
    attempt: Callable[[], T],
    outcome: Callable[[T], Outcome],
    transient: tuple[type[BaseException], ...] = (),
    idempotent: bool = True,
    emulator: str | None = None,
    quota: str = "",
) -> T:
    """Call ``attempt`` until it returns a non-transient result, under ``policy``.

    Returns the last result (a non-retryable error response is returned, not raised, so
    the SDK above reports it in its own way). Raises RetryBudgetExceeded when the budget
    runs out and AmbiguousWrite for an ambiguous failure of a non-idempotent write.
    With ``emulator`` (its endpoint) set, a refused connection raises EmulatorUnreachable
    within EMULATOR_REFUSED_SECONDS.
    """
    start = policy.clock()
    tries = 0
    while True:
        tries += 1
        stamp = policy.pacer.take(quota) if policy.pacer is not None and quota else None
        try:
            result = attempt()
        except transient as exc:
            if stamp is not None and policy.pacer is not None:
                policy.pacer.done(stamp)
            # Checked before the ambiguity rule: a refused connection never reached the
            # server, so nothing can have been applied.
            if emulator and refused(exc):
                wait = policy.backoff(tries - 1, None)
                spent = policy.clock() - start
                if tries >= policy.max_attempts or spent + wait > EMULATOR_REFUSED_SECONDS:
                    raise EmulatorUnreachable(emulator) from None
                # Debug only: the outcome is either success or the one EmulatorUnreachable
                # line, and warnings before it would break the two-line error rule.
                log.debug("%s: nothing listening at %s yet; retry in %.1f s",
                          label, emulator, wait)
                policy.sleep(wait)
                continue
            if not idempotent:
                raise AmbiguousWrite(label, type(exc).__name__) from None
            retry_after, detail = None, type(exc).__name__
        else:
            if stamp is not None and policy.pacer is not None:
                policy.pacer.done(stamp)
            o = outcome(result)
            if o.final or o.status not in RETRY_STATUSES:
                return result
            if not idempotent and o.status != 429:
                raise AmbiguousWrite(label, f"HTTP {o.status}", o.retry_after)
            retry_after, detail = o.retry_after, f"HTTP {o.status}"
        wait = policy.backoff(tries - 1, retry_after)
        spent = policy.clock() - start
        if tries >= policy.max_attempts or spent + wait > policy.total_seconds:
            raise RetryBudgetExceeded(
                f"{label} still failing ({detail}) after {tries} tries in {spent:.0f} s",
                "Google is busy or down; run the sync again later (nothing half-written "
                "is left behind)",
            )
        # Debug only: an outage is one error line and its hint, not a line per retry.
        log.debug("%s answered %s; retry %d in %.1f s", label, detail, tries, wait)
        policy.sleep(wait)
