"""Which tracker row a response belongs to.

Certainty first: the prefilled reference, then the personal email, then the exact
normalised name with the date of birth. A similar name with the same date of birth is only
ever a *suggestion* for a person to confirm: merging two students' records by mistake is
worse than asking.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

NEAR_MATCH_SCORE = 85.0
_DROPPED = re.compile(r"[^\w ]|_")


def name_key(forename: str, surname: str) -> str:
    """Case-, accent-, space- and punctuation-insensitive form of a name, for comparison
    only. Words are sorted so that "Vance Sami" and "Sami Vance" agree, and joined without
    spaces so that "O Rourke" and "O'Rourke" agree."""
    text = unicodedata.normalize("NFKD", f"{forename} {surname}".casefold())
    # \w is str.isalnum() plus "_" (a regex, not a loop per character): keep letters and
    # digits, make spaces and hyphens word breaks, drop the rest.
    kept = _DROPPED.sub("", text.replace("-", " "))
    return "".join(sorted(kept.split()))


@dataclass(frozen=True)
class Match:
    ref: str | None
    how: str  # reference | email | name_dob | none
    near: tuple[str, ...] = ()


class Matcher:
    """Indexes tracker rows once, so matching N responses is O(N) plus near-match scans
    limited to rows sharing a date of birth."""

    def __init__(self, rows: dict[str, dict[str, str]]) -> None:
        self._refs = {ref.casefold(): ref for ref in rows}
        self._email: dict[str, str] = {}
        self._name_dob: dict[tuple[str, str], list[str]] = {}
        self._by_dob: dict[str, list[tuple[str, str]]] = {}
        for ref, row in rows.items():
            self.add(ref, row)

    def add(self, ref: str, row: dict[str, str]) -> None:
        self._refs[ref.casefold()] = ref
        email = row.get("email", "").strip().lower()
        if email:
            self._email.setdefault(email, ref)
        dob = row.get("dob", "")
        key = name_key(row.get("forename", ""), row.get("surname", ""))
        if dob and key:
            self._name_dob.setdefault((key, dob), []).append(ref)
            self._by_dob.setdefault(dob, []).append((key, ref))

    @staticmethod
    def keys(reference: str, email: str, forename: str, surname: str,
             dob: str) -> list[tuple[str, ...]]:
        """The index entries a response is found by, or a row adds: a response that
        matched nothing can only match once one of its own keys is added."""
        keys: list[tuple[str, ...]] = []
        if reference.strip():
            keys.append(("ref", reference.strip().casefold()))
        if email.strip():
            keys.append(("email", email.strip().lower()))
        key = name_key(forename, surname)
        if key and dob:
            keys.append(("name_dob", key, dob))
        return keys

    def add_email(self, ref: str, email: str) -> None:
        self._email.setdefault(email.strip().lower(), ref)

    def match(self, reference: str, email: str, forename: str, surname: str, dob: str) -> Match:
        ref = self._refs.get(reference.strip().casefold()) if reference.strip() else None
        if ref:
            return Match(ref, "reference")
        if email and email.lower() in self._email:
            return Match(self._email[email.lower()], "email")
        key = name_key(forename, surname)
        if key and dob:
            exact = self._name_dob.get((key, dob), [])
            if len(exact) == 1:
                return Match(exact[0], "name_dob")
            if len(exact) > 1:
                # Two students share a name and a birthday: only a person can tell them apart.
                return Match(None, "none", tuple(sorted(exact)))
            near = [
                r
                for k, r in self._by_dob.get(dob, [])
                if fuzz.ratio(k, key) >= NEAR_MATCH_SCORE
            ]
            return Match(None, "none", tuple(sorted(set(near))))
        return Match(None, "none")
