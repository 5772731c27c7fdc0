"""The copies of contact details outside the row, once a row's must go.

``erasure`` empties the row and its merge base in the run's plan. The Review tab can still
quote what the student typed (an email the form could not read, a phone number on a
Conflict row), and the outbox holds the messages sent to them. Those are rewritten after
the plan is applied, whenever the set of erased Refs has changed since the last time
(its digest is kept in ``_destsync_meta``), so a quiet run costs nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from destsync.domain.erase_plan import ERASED, Grid, TabEdit, phone_digits
from destsync.domain.erasure import RETENTION_KEYS
from destsync.domain.model import header_of
from destsync.domain.scrub import scrub

DIGEST_KEY = "erased_digest"
QUOTING = ("Value in tracker", "Value from form")


def digest(refs: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(refs)).encode()).hexdigest()[:16]


def review_masks(review: Grid, refs: set[str], headers: Mapping[str, str]) -> TabEdit:
    """Review rows about ``refs`` that quote a contact field: the quoted values go."""
    edit = TabEdit()
    if not review:
        return edit
    head = [h.strip() for h in review[0]]
    if not {"Ref", "Field", *QUOTING} <= set(head):
        return edit
    contact = {headers.get(k, header_of(k)) for k in RETENTION_KEYS} | set(RETENTION_KEYS)
    ref_i, field_i = head.index("Ref"), head.index("Field")
    quoting = [head.index(h) for h in QUOTING]
    for r, row in enumerate(review[1:], start=1):
        cells = [*row, *[""] * (len(head) - len(row))]
        if cells[ref_i].strip() in refs and cells[field_i].strip() in contact:
            # The advice can quote the value too ("... '07700 900123 (mum)' contains letters").
            quoted = [cells[i] for i in quoting if cells[i] and cells[i] != ERASED]
            quoted += [d for q in quoted if len(d := phone_digits(q)) >= 9]
            new = [ERASED if i in quoting and v else scrub(v, quoted)
                   for i, v in enumerate(cells)]
            if new != cells:
                edit.replace[r] = new
    return edit


def meta_set(meta: Grid, key: str, value: str) -> TabEdit:
    """Set one ``_destsync_meta`` key: its row replaced, or a row added."""
    for r, row in enumerate(meta[1:], start=1):
        if row and row[0] == key:
            return TabEdit(replace={r: [key, value]})
    return TabEdit(append=[[key, value]])
