"""Names as students type them: cleaned, cased when typed ALL-CAPS or all-lower, split
into forename and surname (particles such as "van" stay with the surname)."""

from __future__ import annotations

import re

from destsync.domain.normalize import Parsed, bad, cached, clean_text, ok, preview

_PARTICLES = frozenset(
    "van von der den de del della di da du la le dos das bin binti ibn ap".split()
)
_NAME_MAX = 100


def _capitalise_word(word: str, first: bool) -> str:
    if not first and word in _PARTICLES:
        return word
    parts = re.split(r"([-'’])", word)
    out: list[str] = []
    for part in parts:
        part = part[:1].upper() + part[1:]
        # "mcdonald" -> "McDonald": Mc is almost always followed by a capital (Mac is not).
        if len(part) > 2 and part.startswith("Mc"):
            part = "Mc" + part[2].upper() + part[3:]
        out.append(part)
    return "".join(out)


@cached
def normalize_name(text: str) -> Parsed[str]:
    """Clean a name; fix ALL-CAPS or all-lower names; accept any script."""
    name = clean_text(text, max_len=10_000)
    if not name:
        return ok(None)
    if len(name) > _NAME_MAX:
        return bad(f"Name '{preview(name)}' is longer than {_NAME_MAX} characters.")
    if "@" in name:
        return bad(f"Name '{preview(name)}' looks like an email address, not a name.")
    if not any(c.isalpha() for c in name):
        return bad(f"Name '{preview(name)}' has no letters in it.")
    cased = [c for c in name if c.isupper() or c.islower()]
    if cased and (all(c.isupper() for c in cased) or all(c.islower() for c in cased)):
        words = name.lower().split(" ")
        name = " ".join(_capitalise_word(w, i == 0) for i, w in enumerate(words))
    return ok(name)


def split_name(full: str) -> tuple[str, str]:
    """Best-effort (forename, surname); reads "Surname, Forename" as well."""
    name = clean_text(full)
    if "," in name:
        surname, _, forename = name.partition(",")
        return forename.strip(), surname.strip()
    # A word with no letter ("🎓", "✨", "-") is decoration, not a surname.
    tokens = [t for t in name.split(" ") if any(c.isalpha() for c in t)] or name.split(" ")
    if len(tokens) < 2:
        return " ".join(tokens), ""
    start = len(tokens) - 1
    # "Femke van Dalsum": particles belong to the surname.
    while start > 1 and tokens[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(tokens[:start]), " ".join(tokens[start:])
