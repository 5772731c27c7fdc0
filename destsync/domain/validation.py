"""Explicit validation of an actual destination (the trust's 31 March return): a row is
validated only when it says so *and* says who validated it (a person or role), how
(staff, the local authority or the provider) and on what date. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from destsync.domain.model import VALIDATED_BY, header_of

_HOW = {v.casefold(): v for v in VALIDATED_BY}
INCOMPLETE = "Incomplete"  # marked Yes, but without who, how or when


@dataclass(frozen=True)
class Validation:
    ok: bool
    said: bool  # the Validated cell says Yes
    evidence: str  # "Local authority: Data team, 2027-01-15", or what is missing


_NOT_SAID = Validation(False, False, "not marked validated")


def validation(row: Mapping[str, str]) -> Validation:
    if row.get("validated", "").strip().casefold() != "yes":
        return _NOT_SAID  # most rows: nothing more to read
    how = _HOW.get(row.get("validated_by", "").strip().casefold(), "")
    who = row.get("validator", "").strip()
    when = row.get("validated_on", "").strip()[:10]
    try:
        day = date.fromisoformat(when).isoformat()
    except ValueError:
        day = ""
    missing = [header_of(k) for k, v in (("validated_by", how), ("validator", who),
                                         ("validated_on", day)) if not v]
    if missing:
        return Validation(False, True, "no " + ", no ".join(missing))
    return Validation(True, True, f"{how}: {who}, {day}")


def return_cell(row: Mapping[str, str]) -> str:
    """The Validated column of a frozen return: Yes only with the evidence."""
    v = validation(row)
    return "Yes" if v.ok else INCOMPLETE if v.said else row.get("validated", "").strip()
