"""What a Cloud Run Job task is told by its environment, and how it shares the work.

Cloud Run sets ``CLOUD_RUN_TASK_INDEX``, ``CLOUD_RUN_TASK_COUNT``, ``CLOUD_RUN_TASK_ATTEMPT``
and ``CLOUD_RUN_EXECUTION`` in every task's container (Cloud Run's "Jobs: container runtime
contract"). Each task takes the academies ``domain.lease.shard`` gives it and the same share
of the trust's daily mail cap, so tasks sending in parallel from the one mailbox stay
under the cap together: the shares add up to it, and each task counts what its own
academies sent in the last 24 hours. The shares move only when the task count or the list
of academies changes; for the 24 hours after such a change the trust can exceed the cap by
at most one day's share, which a deploy guide step (keep the task count) avoids.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, replace

from destsync.config.settings import Config
from destsync.domain.lease import cap_share, shard
from destsync.errors import ConfigError


@dataclass(frozen=True)
class Task:
    index: int = 0
    count: int = 1
    attempt: int = 0
    execution: str = ""

    @property
    def holder(self) -> str:
        """How this task names itself in a lease: unique per execution and task."""
        who = self.execution or f"{socket.gethostname()}-{os.getpid()}"
        return f"{who}/task-{self.index}"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "")
    if not text:
        return default
    if not text.isdigit():
        raise ConfigError(f"{name} is {text!r}, not a whole number",
                          "unset it, or let Cloud Run set it")
    return int(text)


def current_task(env: Mapping[str, str] | None = None) -> Task:
    e: Mapping[str, str] = os.environ if env is None else env
    task = Task(_int(e, "CLOUD_RUN_TASK_INDEX", 0), _int(e, "CLOUD_RUN_TASK_COUNT", 1),
                _int(e, "CLOUD_RUN_TASK_ATTEMPT", 0), e.get("CLOUD_RUN_EXECUTION", ""))
    if task.count < 1 or task.index >= task.count:
        raise ConfigError(f"CLOUD_RUN_TASK_INDEX {task.index} is not below "
                          f"CLOUD_RUN_TASK_COUNT {task.count}", "let Cloud Run set both")
    return task


def for_task(cfg: Config, task: Task) -> Config:
    """The config this task runs: its academies and its share of the daily cap."""
    if task.count == 1:
        return cfg
    mine = set(shard((a.code for a in cfg.academies), task.index, task.count))
    mail = replace(cfg.mail, daily_cap=cap_share(cfg.mail.daily_cap, task.index, task.count))
    return replace(cfg, academies=tuple(a for a in cfg.academies if a.code in mine), mail=mail)
