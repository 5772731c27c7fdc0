"""RQF levels: the table, and the lookup that turns a course's free text into a level.

Data, like ``vocab``: the levels come from secondary sources (see DOMAIN.md) and are easy
to correct here. No I/O happens here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from destsync.domain.vocab import fold


@dataclass(frozen=True)
class Level:
    """One RQF level; `rank` orders levels (entry = 0)."""

    key: str
    label: str
    rank: int


LEVELS: tuple[Level, ...] = (
    Level("entry", "Entry level", 0),
    Level("level1", "Level 1", 1),
    Level("level2", "Level 2 (GCSE)", 2),
    Level("level3", "Level 3 (A level / advanced apprenticeship)", 3),
    Level("level4", "Level 4 (HNC)", 4),
    Level("level5", "Level 5 (HND / foundation degree)", 5),
    Level("level6", "Level 6 (degree / degree apprenticeship)", 6),
    Level("level7", "Level 7 (master's)", 7),
    Level("level8", "Level 8 (doctorate)", 8),
)

LEVEL_LABELS: tuple[str, ...] = tuple(level.label for level in LEVELS)

# Phrases that name a qualification, by rank. Matched as whole words anywhere in the
# answer ("BSc (Hons) Computing" -> 6); the longest phrase wins where phrases overlap,
# so "foundation degree" is 5, not 6.
LEVEL_PHRASES: dict[int, tuple[str, ...]] = {
    1: ("gcse grades 1 3", "functional skills level 1"),
    2: ("gcse", "gcses", "intermediate apprenticeship", "btec first", "o level", "o levels"),
    3: (
        "a level",
        "a levels",
        "alevel",
        "alevels",
        "as level",
        "as levels",
        "advanced apprenticeship",
        "t level",
        "t levels",
        "btec national",
        "btec extended diploma",
        "extended diploma",
        "access to he",
        "access course",
        "international baccalaureate",
        "ib diploma",
    ),
    4: ("hnc", "higher national certificate", "higher apprenticeship", "certhe"),
    5: ("hnd", "higher national diploma", "foundation degree", "fdsc", "fda", "diphe"),
    6: (
        "degree",
        "ba",
        "bsc",
        "ba hons",
        "bsc hons",
        "beng",
        "llb",
        "bachelors",
        "bachelor",
        "undergraduate",
        "degree apprenticeship",
        "honours degree",
    ),
    7: (
        "masters",
        "master",
        "msc",
        "ma",
        "mres",
        "meng",
        "mba",
        "pgce",
        "postgraduate",
        "llm",
        "integrated masters",
        "pgdip",
    ),
    8: ("phd", "doctorate", "dphil", "doctoral", "edd"),
}
# Short words that are also ordinary English: only an exact answer counts.
_LEVEL_EXACT_ONLY: dict[str, int] = {"as": 3}

_LEVEL_BY_RANK = {level.rank: level for level in LEVELS}
_ENTRY_RE = re.compile(r"\bentry\b|\be[1-3]\b")
_NUMBERED_RE = re.compile(r"\b(?:l|lvl|level|rqf|nvq)\s*([1-8])\b")


_PHRASES_LONGEST_FIRST = sorted(
    ((fold(p), rank) for rank, group in LEVEL_PHRASES.items() for p in group),
    key=lambda item: -len(item[0]),
)


def _phrase_ranks(norm: str) -> set[int]:
    padded = f" {norm} "
    taken: list[tuple[int, int]] = []
    ranks: set[int] = set()
    for phrase, rank in _PHRASES_LONGEST_FIRST:
        start = padded.find(f" {phrase} ")
        while start != -1:
            end = start + len(phrase) + 2
            if not any(start < t_end and t_start < end for t_start, t_end in taken):
                taken.append((start, end))
                ranks.add(rank)
            start = padded.find(f" {phrase} ", start + 1)
    return ranks


@functools.lru_cache(maxsize=4096)  # answers repeat across thousands of responses
def parse_level(text: str) -> Level | None:
    """Normalise a free-text level of study ("A levels", "L3", "BSc") to an RQF level.

    Returns None when the answer names no level or names conflicting levels.
    """
    norm = fold(text)
    if not norm:
        return None
    if norm in _LEVEL_EXACT_ONLY:
        return _LEVEL_BY_RANK[_LEVEL_EXACT_ONLY[norm]]
    # "Entry level 3" is Entry, not Level 3, so entry is checked first.
    if _ENTRY_RE.search(norm):
        return _LEVEL_BY_RANK[0]
    if re.fullmatch(r"[1-8]", norm):
        return _LEVEL_BY_RANK[int(norm)]
    numbered = {int(m) for m in _NUMBERED_RE.findall(norm)}
    ranks = numbered or _phrase_ranks(norm)
    if len(ranks) == 1:
        return _LEVEL_BY_RANK[ranks.pop()]
    return None
