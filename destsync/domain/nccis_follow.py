"""The NCCIS code follows the destination, whoever set it.

Staff choosing a destination from the dropdown used to leave its NCCIS code blank, and a
later form answer (whose destination the staff edit outranks) still wrote its own code
beside it: the two columns drifted apart, and the code is what the local authority is
sent. Now a staff-set destination decides the code, through the ordinary merge; if staff
typed a code as well and the two disagree, Review says so and neither is changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from destsync.domain import vocab
from destsync.domain.model import GROUPS, header_of
from destsync.domain.plan import ReviewItem

KIND = "NCCIS code disagrees"
SOURCE = "NCCIS code of the staff destination"


class Wants(Protocol):
    known_rows: dict[str, dict[str, str]]
    review: list[ReviewItem]
    review_keys: set[str]

    def want(self, ref: str, col: str, value: str, source: str) -> None: ...


def follow(base: Mapping[tuple[str, str], str], p: Wants) -> None:
    """Want each staff-set destination's code in its NCCIS cell, or raise a Review item
    when staff typed a different code there too."""
    pairs = [(f"{gkey}_destination", f"{gkey}_nccis") for gkey, _ in GROUPS]
    for ref, row in p.known_rows.items():
        for dcol, ncol in pairs:
            theirs = row.get(dcol, "")
            if not theirs or theirs == base.get((ref, dcol), ""):
                continue  # not set by a person
            dest = vocab.parse_destination(theirs)
            if dest is None:
                continue
            code, typed = str(dest.nccis), row.get(ncol, "")
            if typed == base.get((ref, ncol), ""):
                p.want(ref, ncol, code, SOURCE)
            elif typed and typed != code:
                _disagree(p, ref, ncol, theirs, code, typed)


def _disagree(p: Wants, ref: str, ncol: str, dest: str, code: str, typed: str) -> None:
    key = f"{KIND}|{ref}|{ncol}|{dest}|{typed}"
    if key in p.review_keys:
        return
    p.review_keys.add(key)
    p.review.append(ReviewItem(
        key, KIND, ref, "", "", header_of(ncol), typed, code,
        f"The destination says {dest} (NCCIS code {code}) but the code cell says {typed}. "
        "Correct whichever is wrong; destsync changes neither."))
