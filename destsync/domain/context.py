"""What the planner needs from the config for one academy, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from destsync.domain.calendar import AcademicCalendar, Checkpoint
from destsync.domain.consent import version_of


@dataclass(frozen=True)
class PlanContext:
    """What the planner needs from the config for one academy."""

    academy_code: str
    calendar: AcademicCalendar
    checkpoints: tuple[Checkpoint, ...]
    freeze_late_days: int = 14
    retention_grace_days: int = 180
    timezone: str = "Europe/London"  # the school's: dates of submissions are its dates
    consent_wording: str = ""  # the consent question's text, as the form asks it
    staff_consent_contacts: bool = False  # a staff "Yes" alone lets destsync email
    checkin_slots: int = 0  # application slots on the termly check-in form (issue 16)

    @cached_property  # asked once per response
    def consent_version(self) -> str:
        """The live wording's version (``domain.consent``); "" when none is configured."""
        return version_of(self.consent_wording) if self.consent_wording.strip() else ""
