"""Exactly once, as a property: whatever the crash points, every due message is delivered
once, never twice, never skipped."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destsync.config.settings import Config
from tests.fakes import MemoryTracker
from tests.mailkit import (
    KillingMailer,
    KillingTracker,
    MemoryMailer,
    run,
    school_config,
    school_snapshot,
)

# Run days that cross the survey's three attempts, Form B and three digests.
DAYS = [datetime(2027, m, d, 6, 0, tzinfo=UTC)
        for m, d in ((4, 26), (5, 3), (5, 17), (6, 7), (7, 1))]


@cache
def config() -> Config:
    return school_config(Path(tempfile.mkdtemp(prefix="destsync-once-")))


def reference() -> Counter[str]:
    snap, roster = school_snapshot(3)
    store, mailer = MemoryTracker(snap), MemoryMailer()
    for day in DAYS:
        assert run(config(), store, roster, mailer, day) is not None
    return Counter(m.key for m in mailer.delivered)


Kill = st.one_of(
    st.tuples(st.just("send"), st.integers(1, 30), st.booleans()),
    st.tuples(st.just("ledger"), st.integers(0, 12), st.just(False)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kills=st.lists(st.lists(Kill, max_size=3), min_size=len(DAYS), max_size=len(DAYS)))
def test_no_message_is_sent_twice_or_skipped_whatever_the_crash_points(
    kills: list[list[tuple[str, int, bool]]],
) -> None:
    snap, roster = school_snapshot(3)
    store, mailer = MemoryTracker(snap), MemoryMailer()
    for day, day_kills in zip(DAYS, kills, strict=True):
        for kind, n, after in day_kills:
            if kind == "send":
                run(config(), store, roster, KillingMailer(mailer, n, after), day)
            else:
                killer = KillingTracker(store.snap, n)
                run(config(), killer, roster, mailer, day)
        # Then a run that finishes, as the next scheduled job would.
        assert run(config(), store, roster, mailer, day) is not None
    delivered = Counter(m.key for m in mailer.delivered)
    assert max(delivered.values()) == 1, [k for k, v in delivered.items() if v > 1]
    assert delivered == reference()
    assert all(store.snap.ledger[k].state == "sent" for k in delivered)


def test_the_reference_schedule_sends_every_campaign() -> None:
    by_campaign = Counter(k.split("/")[0] for k in reference())
    assert set(by_campaign) == {"annual_survey", "form_b", "staff_digest"}
    assert by_campaign["staff_digest"] == 5
