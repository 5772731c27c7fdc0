"""Named exceptions. Each carries a one-line message and a hint that names the fix.

The CLI turns any ``DestsyncError`` into ``error: <message>`` plus ``hint: <hint>`` and a
non-zero exit code, never a traceback. Raise these for every foreseeable problem.
"""

from __future__ import annotations


class DestsyncError(Exception):
    """A foreseeable problem a person can fix. ``exit_code`` 2 means bad input/config."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(DestsyncError):
    """The TOML config is missing, malformed or names something impossible."""


class InputError(DestsyncError):
    """An input file (responses CSV, roster) cannot be used as a whole."""


class TrackerError(DestsyncError):
    """The tracker cannot be read or written safely (missing header, locked file...)."""


class PartlyWritten(DestsyncError):
    """A run stopped after some academies' trackers were written. It keeps the exit code
    of the error that stopped it, and says which academies are done."""

    def __init__(self, message: str, hint: str, exit_code: int) -> None:
        super().__init__(message, hint)
        self.exit_code = exit_code


class MissingColumn(TrackerError):
    """A required tracker column is not where its header should be (staff renamed it).
    The fix is per academy, so the hint names the [[academies]] section: by its code
    when the caller knows it (``for_academy``), else by its tracker."""

    def __init__(self, message: str, key: str, tracker: str, academy: str = "") -> None:
        section = (f'the [[academies]] section with code = "{academy}"' if academy
                   else f"the [[academies]] section whose tracker is {tracker}")
        super().__init__(
            message,
            f"rename the header back, or set columns.{key} to its new name in {section}, "
            f'e.g. columns = {{ {key} = "New header" }}',
        )
        self.key = key
        self.tracker = tracker

    def for_academy(self, code: str) -> MissingColumn:
        return MissingColumn(self.message, self.key, self.tracker, code)


class TemplateError(DestsyncError):
    """A Jinja template does not render against sample data."""


class ReportError(DestsyncError):
    """The anonymised report cannot be built or written (template, output folder)."""


class CredentialError(DestsyncError):
    """Google credentials are missing, unreadable or lack a scope."""


class RemoteError(DestsyncError):
    """A remote API failed after the retry budget was spent."""

    exit_code = 1


class MailError(DestsyncError):
    """The mailer failed (server down, quota spent); unsent messages stay pending."""

    exit_code = 1


class MailLimitReached(MailError):
    """The mailbox's daily sending limit is spent: the rest wait for the next run."""


class RecipientRejected(DestsyncError):
    """The mail server refused this one recipient for good: a failed (bounced) attempt."""
