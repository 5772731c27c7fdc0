"""Sharing academies between Cloud Run tasks, and the per-academy lease."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from destsync.adapters.local.lease import FileLease
from destsync.domain.lease import LeaseRecord, blocker, cap_share, shard, winner
from destsync.entrypoints import logs
from destsync.entrypoints.cloudrun import current_task
from destsync.errors import ConfigError

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@given(st.sets(st.text("ABCDEFGHIJ", min_size=2, max_size=4), max_size=40),
       st.integers(1, 8))
def test_every_academy_is_taken_by_exactly_one_task(codes: set[str], count: int) -> None:
    taken = [c for i in range(count) for c in shard(codes, i, count)]
    assert sorted(taken) == sorted(codes)
    sizes = [len(shard(codes, i, count)) for i in range(count)]
    assert max(sizes) - min(sizes) <= 1  # shared out evenly


@given(st.integers(0, 10_000), st.integers(1, 16))
def test_cap_shares_add_up_to_the_trust_cap(cap: int, count: int) -> None:
    assert sum(cap_share(cap, i, count) for i in range(count)) == cap


def test_the_task_comes_from_cloud_runs_variables() -> None:
    env = {"CLOUD_RUN_TASK_INDEX": "1", "CLOUD_RUN_TASK_COUNT": "3",
           "CLOUD_RUN_TASK_ATTEMPT": "2", "CLOUD_RUN_EXECUTION": "job-abc"}
    task = current_task(env)
    assert (task.index, task.count, task.attempt, task.holder) == (1, 3, 2, "job-abc/task-1")
    assert current_task({}).count == 1
    with pytest.raises(ConfigError):
        current_task({"CLOUD_RUN_TASK_INDEX": "3", "CLOUD_RUN_TASK_COUNT": "3"})
    with pytest.raises(ConfigError):
        current_task({"CLOUD_RUN_TASK_COUNT": "two"})


def test_the_earliest_live_lease_wins_and_expired_ones_hold_nothing() -> None:
    a = LeaseRecord("a", NOW, NOW + HOUR)
    b = LeaseRecord("b", NOW + timedelta(seconds=1), NOW + HOUR)
    dead = LeaseRecord("c", NOW - 2 * HOUR, NOW - HOUR)
    assert blocker([dead], "b", NOW) is None
    assert blocker([a], "b", NOW) == "a" and blocker([a], "a", NOW) is None
    assert winner([b, a, dead], "b", NOW) == "a"
    assert winner([b, a, dead], "a", NOW) is None
    assert LeaseRecord.from_text("not json") is None
    assert LeaseRecord.from_text(a.to_text()) == a


def test_a_file_lease_is_exclusive_until_released_or_expired(tmp_path: Path) -> None:
    tracker = tmp_path / "tracker.xlsx"
    one, two = FileLease(tracker, settle=0), FileLease(tracker, settle=0)
    assert one.acquire("run-1", NOW, HOUR) is None
    assert two.acquire("run-2", NOW, HOUR) == "run-1"
    one.release("run-1")
    assert two.acquire("run-2", NOW, HOUR) is None
    # run-2 died: an hour and a minute later its lease no longer holds anything.
    later = NOW + HOUR + timedelta(minutes=1)
    assert one.acquire("run-1", later, HOUR) is None
    two.release("run-2")  # not its lease any more: nothing happens
    assert one.path.exists()


def test_json_log_lines_carry_severity_message_and_labels(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLOUD_RUN_EXECUTION", "job-abc")
    monkeypatch.setenv("CLOUD_RUN_TASK_INDEX", "0")
    logs.configure(json_lines=True)
    try:
        logging.getLogger("destsync.sync").warning(
            "%s: skipped", "OAK", extra={"academy": "OAK", "run_id": "r1"})
        line = capsys.readouterr().out.strip()
        record = json.loads(line)
        assert record["severity"] == "WARNING" and record["message"] == "OAK: skipped"
        assert record[logs.LABELS] == {"task": "job-abc/0", "academy": "OAK", "run_id": "r1"}
        assert "\n" not in line
    finally:
        logs.configure(json_lines=False)
    assert logs.wants_json(None, {"CLOUD_RUN_JOB": "destsync-sync"})
    assert not logs.wants_json("text", {"CLOUD_RUN_JOB": "destsync-sync"})
    assert not logs.wants_json(None, {})


def test_a_file_lease_for_a_first_run_makes_the_folder(tmp_path: Path) -> None:
    lease = FileLease(tmp_path / "output" / "tracker.xlsx", settle=0)
    assert lease.acquire("run-1", NOW, HOUR) is None and lease.path.exists()


def test_parallel_tasks_together_stay_under_the_trusts_daily_cap(tmp_path: Path) -> None:
    """Each task sends at most its share, and the shares add up to mail.daily_cap: tasks
    that send at once from the one mailbox cannot pass the trust's cap together."""
    from dataclasses import replace

    from destsync.config.settings import load_config
    from destsync.entrypoints.cloudrun import Task, for_task

    root = Path(__file__).resolve().parents[2]
    cfg = load_config(root / "config" / "example.toml")
    one = cfg.academies[0]
    cfg = replace(cfg, academies=tuple(replace(one, code=c) for c in ("ASH", "ELM", "OAK")),
                  mail=replace(cfg.mail, daily_cap=101))
    tasks = [for_task(cfg, Task(i, 2)) for i in range(2)]
    assert [t.mail.daily_cap for t in tasks] == [51, 50]
    assert [[a.code for a in t.academies] for t in tasks] == [["ASH", "OAK"], ["ELM"]]
    assert for_task(cfg, Task(0, 1)) is cfg
