"""The Change log as an audit trail: every change destsync makes, every earlier submission
it set aside, every staff edit it detected, and every Review resolution; and one
student's story read back from it (``destsync history``).

Contact details are masked here as everywhere the log keeps history: the log outlives a
student's consent. A staff edit is logged once: a fingerprint of the edited value (not the
value) is kept in ``_destsync_meta``, so the same edit is not logged again next run, and a
further edit of the same cell is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from destsync.domain.masking import mask_email, shown_contact
from destsync.domain.model import COLUMN_BY_KEY, GROUP_FIELDS, TrackerSnapshot, header_of
from destsync.domain.plan import PERSONAL_COLUMNS, LogEntry, NewRow, Plan

NEW_ROW = "new row"
SET_ASIDE = "earlier submission set aside (superseded)"
STAFF_EDIT = "edited by staff (destsync keeps it)"
WHOLE_ANSWER = "the whole answer (the tracker cell keeps the start)"
EDIT_KEY = "edit|"  # _destsync_meta key prefix: edit|<ref>|<column> -> fingerprint
CONTACT_COLUMNS = frozenset({"email", "phone", "parent_email"})
# The Change log's field for entries that list a whole row or submission: they describe
# the person as a whole, so an erasure blanks their values (``erase_plan``).
ROW_FIELD, SUBMISSION_FIELD = "row", "submission"
WHOLE_FIELDS = frozenset({ROW_FIELD, SUBMISSION_FIELD})


def masked(column: str, value: str) -> str:
    if column == "parent_email" and value:
        return mask_email(value)
    return shown_contact(column, value)


def new_row_entries(rows: Iterable[NewRow]) -> list[LogEntry]:
    """One entry per row destsync adds, listing its values (a first placement on an
    existing row is a change like any other and the merge logs it per cell). One entry,
    not one per cell: a first sync of 2,000 students would otherwise write 30,000 rows."""
    return [LogEntry(r.ref, ROW_FIELD, "", "; ".join(
        f"{header_of(col)}: {masked(col, value)}" for col, value in r.values.items()
        if value and col != "ref"), r.source, NEW_ROW) for r in rows]


def set_aside_entries(set_aside: Mapping[str, tuple[str, Mapping[str, str]]],
                      snap: TrackerSnapshot) -> list[LogEntry]:
    """An entry for each submission newly set aside for a later one, with its answers
    (destination fields only: it never held contact details)."""
    out = []
    for rid, (ref, answers) in sorted(set_aside.items()):
        known = snap.responses.get(rid)
        if known is not None and known.outcome == "superseded":
            continue  # logged when it was set aside
        labels = dict(GROUP_FIELDS)
        text = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in answers.items() if v)
        out.append(LogEntry(ref, SUBMISSION_FIELD, "", text, rid, SET_ASIDE))
    return out


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def staff_edits(snap: TrackerSnapshot, plan: Plan) -> None:
    """Log each cell a person changed since destsync last wrote it (base -> theirs), once."""
    rows = snap.rows
    for (ref, col), base in snap.base.items():
        row = rows.get(ref)
        if row is None or row.get(col, base) == base:
            continue
        key, mark = f"{EDIT_KEY}{ref}|{col}", fingerprint(row[col])
        if snap.meta.get(key) != mark:
            plan.meta[key] = mark
            plan.log.append(LogEntry(ref, col, masked(col, base), masked(col, row[col]),
                                     "staff", STAFF_EDIT))


def record(snap: TrackerSnapshot, plan: Plan,
           set_aside: Mapping[str, tuple[str, Mapping[str, str]]],
           long_answers: Sequence[tuple[str, str, str, str]] = ()) -> None:
    """Add the audit entries the merge does not make itself."""
    plan.log += new_row_entries(plan.new_rows)
    plan.log += set_aside_entries(set_aside, snap)
    staff_edits(snap, plan)
    # The whole of an answer too long for its cell, once: when its response is first read.
    plan.log += [LogEntry(ref, key, "", whole, rid, WHOLE_ANSWER)
                 for ref, key, whole, rid in long_answers if rid not in snap.responses]


def history(ref: str, log_rows: Sequence[Mapping[str, str]],
            headers: Mapping[str, str] | None = None) -> list[str]:
    """One student's story from the Change log, oldest first, one line per entry. Contact
    details and the other identifying values are left out (only that they were recorded):
    the output may reach a log, and ``subject-access`` is the way to the data itself.
    ``headers`` are the school's column headers (the log names fields by header)."""
    keys = CONTACT_COLUMNS | PERSONAL_COLUMNS
    hidden = {*keys, *(header_of(k) for k in keys), *((headers or {}).get(k, k) for k in keys)}
    mine = [r for r in log_rows if r.get("Ref", "").strip().casefold() == ref.casefold()]
    lines = []
    for r in sorted(mine, key=lambda r: r.get("When", "")):
        field = r.get("Field", "")
        old, new = r.get("Old", ""), r.get("New", "")
        if field in hidden:
            old, new = ("(recorded)" if old else ""), ("(recorded)" if new else "")
        elif field == ROW_FIELD:  # a new row's values: which columns, not what they hold
            known = {header_of(c) for c in COLUMN_BY_KEY}
            new = "added with " + ", ".join(
                h for h in (part.split(":", 1)[0] for part in new.split("; ")) if h in known)
        change = f"{old} -> {new}" if old else new
        note = "; ".join(x for x in (r.get("Source", ""), r.get("Note", "")) if x)
        lines.append(f"{r.get('When', '')[:19]}  {field}: {change}" + (f"  ({note})" if note
                                                                        else ""))
    return lines
