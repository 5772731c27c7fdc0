"""What the planner needs from the config for one academy, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from destsync.domain.calendar import AcademicCalendar, Checkpoint


@dataclass(frozen=True)
class PlanContext:
    """What the planner needs from the config for one academy."""

    academy_code: str
    calendar: AcademicCalendar
    checkpoints: tuple[Checkpoint, ...]
    freeze_late_days: int = 14
    retention_grace_days: int = 180
    timezone: str = "Europe/London"  # the school's: dates of submissions are its dates
