"""The daily cap's window, at its boundary: a message sent at T counts against the cap
until just before T + 24 h, and not at T + 24 h, so a daily run at a fixed time sends a
full cap of the backlog every day (it used to send it only every other day)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes import MemoryTracker
from tests.mailkit import MemoryMailer, run, school_config, school_snapshot

T = datetime(2027, 5, 3, 6, 0, tzinfo=UTC)  # survey attempt 1, Form B and a digest
CAP = 3


def sends_at(*times: datetime) -> list[int]:
    cfg = school_config(Path(tempfile.mkdtemp(prefix="destsync-cap-")), {"daily_cap": CAP})
    snap, roster = school_snapshot(4)
    store, counts = MemoryTracker(snap), []
    for when in times:
        mailer = MemoryMailer()
        assert run(cfg, store, roster, mailer, when) is not None
        counts.append(len(mailer.delivered))
    return counts


def test_the_backlog_is_larger_than_the_cap() -> None:
    cfg = school_config(Path(tempfile.mkdtemp(prefix="destsync-cap-")), {"daily_cap": 100})
    snap, roster = school_snapshot(4)
    mailer = MemoryMailer()
    run(cfg, MemoryTracker(snap), roster, mailer, T)
    assert len(mailer.delivered) > 3 * CAP


def test_a_run_one_second_before_t_plus_24h_has_no_room_and_one_at_t_plus_24h_has_the_cap(
) -> None:
    day = timedelta(hours=24)
    assert sends_at(T, T + day - timedelta(seconds=1), T + day) == [CAP, 0, CAP]


def test_a_daily_run_at_a_fixed_time_sends_a_full_cap_every_day() -> None:
    assert sends_at(*(T + timedelta(days=d) for d in range(3))) == [CAP, CAP, CAP]
