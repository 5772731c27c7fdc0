"""Scrubbing a person's identifiers out of free text (an email in the outbox, a Review
row): each email, name or Ref as a whole word, whatever its case, and each phone number
whatever its spacing or +44 prefix."""

from __future__ import annotations

import re
from collections.abc import Sequence

SCRUBBED = "(erased)"


def pattern(identifiers: Sequence[str]) -> re.Pattern[str] | None:
    alts = []
    for ident in sorted({i.strip() for i in identifiers if i.strip()}, key=len, reverse=True):
        if ident.isdigit():
            # Stored without its leading 0 or 44 (erase_plan._digits): match any spacing.
            alts.append(r"(?:\+?44[\s-]?|0)?" + r"[\s-]?".join(ident))
        else:
            alts.append(r"(?<!\w)" + r"\s+".join(map(re.escape, ident.split())) + r"(?!\w)")
    return re.compile("|".join(alts), re.IGNORECASE) if alts else None


def scrub(text: str, identifiers: Sequence[str]) -> str:
    rx = pattern(identifiers)
    return rx.sub(SCRUBBED, text) if rx else text


def mentions(text: str, identifiers: Sequence[str]) -> bool:
    rx = pattern(identifiers)
    return bool(rx and rx.search(text))
