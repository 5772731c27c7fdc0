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


class RecipientRejected(DestsyncError):
    """The mail server refused this one recipient for good: a failed (bounced) attempt."""
