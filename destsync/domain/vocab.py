"""Vocabularies destsync speaks: destination types and NCCIS codes (RQF levels: ``levels``).

This module owns the data tables (module-level tuples of frozen dataclasses) and the
lookups that turn a student's free text into a row. The codes come from secondary
sources (see DOMAIN.md), so they live here as plain data that is easy to correct.
No I/O happens here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class DestinationType:
    """One answer to Form A's "What have you secured?" question."""

    key: str
    label: str
    nccis: int
    dfe_group: str
    synonyms: tuple[str, ...]


# --- NCCIS activity codes -------------------------------------------------------------

NOT_KNOWN = 810
CANNOT_BE_CONTACTED = 820  # needs evidence: every contact route bounced or is missing
REFUSED = 830
# Nothing known: never counted as a known destination, in any report or metric.
NOT_KNOWN_CODES: frozenset[int] = frozenset({NOT_KNOWN, CANNOT_BE_CONTACTED, REFUSED})

NCCIS_LABELS: dict[int, str] = {
    210: "Full-time education: school sixth form",
    220: "Full-time education: sixth-form college",
    230: "Full-time education: further education",
    240: "Full-time education: higher education",
    250: "Part-time education",
    260: "Gap year",
    310: "Apprenticeship",
    320: "Full-time employment with study",
    330: "Employment without training",
    340: "Employment with training (other)",
    350: "Temporary employment",
    360: "Part-time employment",
    380: "Self-employment",
    410: "Work-based learning",
    430: "Other training",
    450: "Traineeship",
    460: "Supported internship",
    540: "NEET: working not for reward",
    550: "NEET: working not for reward, with study",
    610: "NEET: not yet ready for work or learning",
    615: "NEET: start date agreed",
    616: "NEET: start date agreed (other)",
    619: "NEET: seeking employment, education or training",
    620: "NEET inactive: young carer",
    630: "NEET inactive: teenage parent",
    640: "NEET inactive: illness",
    650: "NEET inactive: pregnancy",
    680: "NEET inactive: other reason",
    NOT_KNOWN: "Situation not known",
    CANNOT_BE_CONTACTED: "Cannot be contacted",
    REFUSED: "Refused to disclose activity",
}

# --- Destination types ----------------------------------------------------------------

# Display order: Form A's own options first (as the seed lists them), then University,
# then the extra types that arrive as free text or from staff edits.
DESTINATION_TYPES: tuple[DestinationType, ...] = (
    DestinationType(
        "employment_with_training",
        "Employment with training",
        340,
        "Sustained employment",
        (
            "job with training",
            "employment and training",
            "working with training",
            "employed with training",
            "job with qualification",
        ),
    ),
    DestinationType(
        "apprenticeship",
        "Apprenticeship",
        310,
        "Sustained apprenticeship",
        (
            "apprentice",
            "apprenticeships",
            "degree apprenticeship",
            "higher apprenticeship",
            "advanced apprenticeship",
            "intermediate apprenticeship",
            "level 3 apprenticeship",
            "modern apprenticeship",
        ),
    ),
    DestinationType(
        "college",
        "College",
        230,
        "Sustained education: further education",
        ("fe", "further education", "fe college", "college course", "further education college"),
    ),
    DestinationType(
        "sixth_form",
        "Sixth form",
        210,
        "Sustained education: further education",
        (
            "6th form",
            "sixthform",
            "6th form college",
            "sixth form college",
            "school sixth form",
            "year 12",
            "a levels at sixth form",
        ),
    ),
    DestinationType(
        "voluntary_work",
        "Voluntary work",
        540,
        "Not sustained",
        ("volunteering", "volunteer", "volunteer work", "voluntary", "charity work"),
    ),
    DestinationType(
        "traineeship",
        "Traineeship",
        450,
        "Sustained education: other",
        ("trainee", "traineeships"),
    ),
    DestinationType(
        "other",
        "Other",
        810,
        "Activity not captured",
        ("other specify", "something else"),
    ),
    DestinationType(
        "university",
        "University",
        240,
        "Sustained education: higher education",
        (
            "uni",
            "higher education",
            "he",
            "degree",
            "undergraduate",
            "undergraduate degree",
            "university degree",
            "bachelors degree",
            "going to uni",
        ),
    ),
    DestinationType(
        "employment",
        "Employment without training",
        330,
        "Sustained employment",
        (
            "employment",
            "job",
            "working",
            "employed",
            "work",
            "full time work",
            "full time job",
            "part time work",
            "part time job",
            "full time employment",
            "employment no training",
            "paid work",
        ),
    ),
    DestinationType(
        "gap_year",
        "Gap year",
        260,
        "Not sustained",
        ("gap yr", "gap", "year out", "taking a year out", "travelling"),
    ),
    DestinationType(
        "neet_seeking",
        "Not in education, employment or training",
        619,
        "Not sustained",
        (
            "neet",
            "unemployed",
            "looking for work",
            "job seeking",
            "job hunting",
            "nothing",
            "not working",
            "seeking work",
        ),
    ),
)

DESTINATION_LABELS: tuple[str, ...] = tuple(d.label for d in DESTINATION_TYPES)

_FUZZY_THRESHOLD = 88.0
# Typos must be at least this long to be near-matched: short strings ("he", "uni", "job")
# are one keystroke away from each other and from junk.
_FUZZY_MIN_LEN = 5
# If the runner-up type scores this close to the winner, the typo is ambiguous.
_FUZZY_MARGIN = 4.0


def fold(text: str) -> str:
    """Lower-case, drop accents' combining marks and apostrophes, reduce punctuation to
    single spaces: "Other (specify)" -> "other specify", "bachelor's" -> "bachelors"."""
    folded = unicodedata.normalize("NFKD", text)
    if not folded.isascii():  # ASCII has no combining marks: no loop per character
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", folded).split())


def _destination_index() -> dict[str, DestinationType]:
    index: dict[str, DestinationType] = {}
    for dest in DESTINATION_TYPES:
        for name in (dest.key, dest.label, *dest.synonyms):
            index.setdefault(fold(name), dest)
    return index


_DESTINATION_INDEX = _destination_index()
_OTHER = next(d for d in DESTINATION_TYPES if d.key == "other")
_FUZZY_CHOICES = [name for name in _DESTINATION_INDEX if len(name) >= _FUZZY_MIN_LEN]


def destination_by_key(key: str) -> DestinationType | None:
    """The destination type with this exact key, or None."""
    return next((d for d in DESTINATION_TYPES if d.key == key), None)


# Answers and labels repeat across thousands of rows and every figure asks again (the
# parse, the Metrics tab, the report, the digest); matching one may need a fuzzy search.
@functools.lru_cache(maxsize=4096)
def parse_destination(text: str) -> DestinationType | None:
    """Match free text or a Form A option label to a destination type, or None.

    Matching ignores case, spacing and punctuation. A conservative near-match catches
    typos ("Apprentiseship"), but never for short or ambiguous input.
    """
    norm = fold(text)
    if not norm:
        return None
    exact = _DESTINATION_INDEX.get(norm)
    if exact is not None:
        return exact
    # Form A's "Other (specify)" arrives as "Other: working on a farm" and similar.
    # The words after it go through the same synonyms: "Other: gap year" is a gap year.
    if norm == "other" or norm.startswith("other "):
        rest = norm.removeprefix("other").strip().removeprefix("specify").strip()
        found = parse_destination(rest) if rest else None
        return found or _OTHER
    if len(norm) < _FUZZY_MIN_LEN:
        return None
    ranked = process.extract(norm, _FUZZY_CHOICES, scorer=fuzz.ratio,
                             limit=len(_FUZZY_CHOICES))
    best_name, best_score, _ = ranked[0]
    if best_score < _FUZZY_THRESHOLD:
        return None
    best = _DESTINATION_INDEX[best_name]
    for name, score, _ in ranked[1:]:
        if best_score - score >= _FUZZY_MARGIN:
            break
        if _DESTINATION_INDEX[name] is not best:
            return None
    return best
