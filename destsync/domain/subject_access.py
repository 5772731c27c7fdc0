"""A subject access request: everything destsync holds about one student, in one file.

UK GDPR gives a student (or a parent acting for them) the right to a copy of their data.
Gathering it by hand means searching the tracker, the Review tab, the Change log, the
frozen returns, the hidden ledger of emails and the form's responses. This module does
that for one Ref, purely: the caller reads, this collects, the caller writes the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from destsync.domain import layout
from destsync.domain.model import RawResponse, TrackerSnapshot, header_of

VISIBLE = (layout.REVIEW, layout.LOG, layout.RETURNS)


def collect(
    ref: str,
    academy: str,
    snap: TrackerSnapshot,
    tabs: Mapping[str, Sequence[Mapping[str, str]]],
    responses: Sequence[RawResponse],
    headers: Mapping[str, str],
    generated_at: str,
) -> dict[str, Any]:
    row = snap.rows[ref]
    placed = {rid for rid, rec in snap.responses.items() if rec.ref == ref}
    answers = [
        {
            "response_id": r.response_id,
            "submitted": r.submitted.isoformat(timespec="seconds"),
            "outcome": snap.responses[r.response_id].outcome,
            "answers": {k: v for k, v in r.answers.items() if v},
        }
        for r in sorted(responses, key=lambda r: r.submitted)
        if r.response_id in placed
    ]

    def about(tab: str) -> list[dict[str, str]]:
        return [dict(r) for r in tabs.get(tab, []) if r.get("Ref", "").strip() == ref]

    return {
        "subject": ref,
        "academy": academy,
        "generated_at": generated_at,
        "tracker_row": {
            headers.get(k, header_of(k)): v
            for k, v in row.items() if v
        },
        "form_a_responses": answers,
        "review_items": about(layout.REVIEW),
        "change_log": about(layout.LOG),
        "frozen_returns": about(layout.RETURNS),
        "emails": [
            {"campaign": e.campaign, "state": e.state, "at": e.at, "key": e.key}
            for e in sorted(snap.ledger.values(), key=lambda e: (e.at, e.key))
            if e.ref == ref
        ],
        "notes": [
            "Contact details in the Change log and on the Review tab are kept masked.",
            "A response that could not be matched to this student is on the Review tab "
            "without this Ref; search it for the student's name if one is expected.",
        ],
    }


def count(record: Mapping[str, Any]) -> int:
    """How many items the record holds, for a summary line that names no one."""
    lists = ("form_a_responses", "review_items", "change_log", "frozen_returns", "emails")
    return 1 + sum(len(record[k]) for k in lists)
