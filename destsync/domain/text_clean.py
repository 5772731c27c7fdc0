"""The per-character part of cleaning one answer, at C speed (regex, str.split, NFC), for
``normalize.clean_text``, which cuts long text first and truncates."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides and isolates can make a name display as something else in the tracker.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters dropped outright: controls (category Cc, exactly U+0000-001F and U+007F-009F)
# that are not whitespace, and the bidi controls. Whitespace, controls included (tab, line
# breaks, U+001C-001F, U+0085), becomes one space through str.split. A regex so that a
# 10,000-character answer is cleaned at C speed, not one Python step per character.
_DROPPED_CHARS = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if not chr(c).isspace()}
_DROP = re.compile(f"[{re.escape(''.join(sorted(_DROPPED_CHARS | _BIDI_CONTROLS)))}]")
# Characters that show as nothing but make two equal names or emails differ: zero-width
# space, word joiner, BOM, soft hyphen, direction marks and embeddings, invisible operators.
# Zero-width (non-)joiners are kept: emoji sequences and Persian and Indic spelling use them.
INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
                       "\u2060-\u2064\u2066-\u2069\ufeff]")
# A cut just before an ASCII character is exact: no ASCII character composes under NFC
# with what precedes it, and as a starter it stops any reordering across it.
ASCII = re.compile(r"[\x00-\x7f]")


def clean_all(text: str) -> str:
    """NFC, controls and bidi controls dropped, whitespace runs made one space, trimmed."""
    if text.isascii() and text.isprintable():
        # Printable ASCII (most answers) has nothing to normalise or drop: spaces only.
        return " ".join(text.split())
    # Lone surrogates (from badly decoded input) cannot be encoded; replace them.
    text = text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFC", text)
    return " ".join(_DROP.sub("", INVISIBLE.sub("", text)).split())
