"""Masking contact details for the tabs and logs that keep history.

The Change log and the Review tab outlive a student's consent, so they show an email or a
phone number only masked: enough to tell records apart, no more.
"""

from __future__ import annotations

from destsync.domain.names import split_name
from destsync.domain.normalize import clean_text


def mask_email(s: str) -> str:
    """ "jo@example.org" -> "j***@e***.org": enough to tell records apart, no more."""
    local, at, domain = clean_text(s).rpartition("@")
    if not at or not local or not domain:
        return "***" if s else ""
    suffix = "." + domain.rsplit(".", 1)[1] if "." in domain else ""
    return f"{local[0]}***@{domain[0]}***{suffix}"


def mask_phone(s: str) -> str:
    """ "+447700900123" -> "+44*******123"."""
    compact = "".join(clean_text(s).split())
    if len(compact) <= 6:
        return "*" * len(compact)
    head = 3 if compact.startswith("+") else 0
    return compact[:head] + "*" * (len(compact) - head - 3) + compact[-3:]


def mask_name(s: str) -> str:
    """ "Alex Bloggs" -> "A. B***"."""
    forename, surname = split_name(s)
    if not surname:
        return f"{forename[0]}***" if forename else ""
    return f"{forename[0]}. {surname[0]}***" if forename else f"{surname[0]}***"


def shown_contact(column: str, value: str) -> str:
    """A contact value as the Change log and Review tab show it: masked, because those
    tabs keep history and a student may later withdraw consent. Other values unchanged."""
    if not value:
        return value
    if column == "email":
        return mask_email(value)
    if column == "phone":
        return mask_phone(value)
    return value
