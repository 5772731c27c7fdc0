"""Consent that staff type or choose on the tracker, recorded as evidence (channel "staff").

Form A responses are re-read on every run, so a naive rule would write the form's
evidence back over a staff edit and then the staff evidence again, run after run. The
rule here is base-aware, like the merge: while a row's Consent cell differs from what
destsync last wrote there (its hidden base), or Contact status says "Consent withdrawn",
that staff edit stands; the form's older answers stop proposing consent evidence and the
planner writes "... via staff, wording n/a (Consent "No", seen D)" instead, where D is the
day destsync first saw the edit, read back from the evidence on later runs.

A Form A answer submitted on a later day than D replaces a staff Consent edit: it is the
student's own, newer word (a stop link after a phoned-in "Yes", a "Yes" after staff had
recorded a refusal), so the planner takes the staff value as read (its base) and the
answer merges like any other. Contact status is staff's own column, which destsync never
writes, so a "Consent withdrawn" there stands until staff clear it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from destsync.domain.consent import STAFF, WITHDRAWN_STATUSES, channel_in, seen_in, staff_evidence
from destsync.domain.placing import Placement

STAFF_VALUES = ("Yes", "No", "Withdrawn")  # the Consent dropdown's options
Base = Mapping[tuple[str, str], str]


@dataclass(frozen=True)
class StaffWord:
    """A staff edit that stands: the Consent value it amounts to, and where it is."""

    said: str  # "Yes", "No" or "Withdrawn"
    what: str  # 'Consent "No"', or 'Contact status "Consent withdrawn"'
    column: str  # "consent" or "contact_status"


def staff_word(ref: str, row: Mapping[str, str], base: Base,
               answered: str = "") -> StaffWord | None:
    """The consent a person's edit of ``ref``'s row says, if one stands. A withdrawal in
    Contact status comes first: it stops contact whatever the Consent cell says.
    ``answered``: the latest Form A answer's Consent value; a cell that already says the
    same is the form's word (the merge takes it as read), not a staff edit."""
    status = row.get("contact_status", "").strip()
    if status in WITHDRAWN_STATUSES and status != base.get((ref, "contact_status"), "").strip():
        return StaffWord("Withdrawn", f'Contact status "{status}"', "contact_status")
    said = row.get("consent", "").strip()
    if said in STAFF_VALUES and said not in (base.get((ref, "consent"), "").strip(), answered):
        return StaffWord(said, f'Consent "{said}"', "consent")
    return None  # a blank cell, or a value that is not an option, proposes nothing


def seen_on(word: StaffWord, recorded: str, today: date) -> str:
    """The day destsync first saw this edit: the one already on record for the same
    cell and value (so a re-sync writes nothing), else today."""
    same = channel_in(recorded) == STAFF and f"({word.what}, seen " in recorded
    return seen_in(recorded) if same and seen_in(recorded) else today.isoformat()


def settle(base: Base, p: Placement, today: date) -> dict[tuple[str, str], str]:
    """Propose staff evidence (and its date) on every row where a staff edit stands.
    Returns the base cells to take as read: a staff Consent value that a newer Form A
    answer replaces (``reconcile`` merges with them and writes them to the base)."""
    adopted: dict[tuple[str, str], str] = {}
    for ref, row in p.known_rows.items():
        ours = p.ours.get(ref, {})
        form = ours.get("consent", ("", ""))[0]
        word = staff_word(ref, row, base, form)
        if word is None:
            continue
        recorded = base.get((ref, "consent_evidence"), "")
        seen = seen_on(word, recorded, today)
        answered = ours.get("consent_date", ("", ""))[0] if form else ""
        if word.column == "consent" and answered > seen:
            adopted[(ref, "consent")] = row.get("consent", "")
            continue
        # A person's own edit of the evidence or of the date stands, as any edit does.
        for col, value in (("consent_evidence", staff_evidence(word.said, word.what, seen)),
                           ("consent_date", seen)):
            if row.get(col, "") == base.get((ref, col), ""):
                p.want(ref, col, value, STAFF)
            else:
                p.ours.get(ref, {}).pop(col, None)
    return adopted
