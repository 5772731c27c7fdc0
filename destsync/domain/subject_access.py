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
from destsync.domain.consent import (
    WITHDRAWN_STATUSES,
    WORDING_PREFIX,
    channel_in,
    state_of,
    version_in,
)
from destsync.domain.model import APPLICATION_FIELDS, RawResponse, TrackerSnapshot, header_of
from destsync.domain.tombstone import TOMBSTONE_PREFIX, Tombstones, hashed

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
        # The Applications tab (issue 16), by its headers, as read with the tracker.
        "applications": [{header: values.get(k, "") for k, header in APPLICATION_FIELDS}
                         for _, values in sorted(snap.applications.items())
                         if values.get("ref") == ref],
        "emails": [
            {"campaign": e.campaign, "state": e.state, "at": e.at, "key": e.key}
            for e in sorted(snap.ledger.values(), key=lambda e: (e.at, e.key))
            if e.ref == ref
        ],
        "consent": consent_record(row, snap.meta),
        "tombstone": tombstone_record(ref, snap.meta),
        "notes": [
            "Contact details in the Change log and on the Review tab are kept masked.",
            "A response that could not be matched to this student is on the Review tab "
            "without this Ref; search it for the student's name if one is expected.",
        ],
    }


def count(record: Mapping[str, Any]) -> int:
    """How many items the record holds, for a summary line that names no one."""
    lists = ("form_a_responses", "review_items", "change_log", "frozen_returns", "emails",
             "applications")
    return 1 + sum(len(record[k]) for k in lists)


def consent_record(row: Mapping[str, str], meta: Mapping[str, str]) -> dict[str, str]:
    """The consent on record as evidence: state, date, how, and the words agreed to."""
    evidence = row.get("consent_evidence", "")
    version = version_in(evidence)
    return {
        # Staff's "Consent withdrawn" in Contact status withdraws whatever Consent says.
        "state": "withdrawn" if row.get("contact_status", "").strip() in WITHDRAWN_STATUSES
        else state_of(row.get("consent", "")),
        "date": row.get("consent_date", ""),
        "channel": channel_in(evidence),  # Form A, staff, stop link
        "evidence": evidence,
        "wording_version": version,
        "wording": meta.get(WORDING_PREFIX + version, "") if version else "",
    }


def tombstone_record(ref: str, meta: Mapping[str, str]) -> dict[str, str] | None:
    """An earlier erasure of this Ref, if any: its date and what the tombstone holds."""
    tombs = Tombstones.from_meta(dict(meta))
    if not tombs.erased(ref):
        return None
    value = meta.get(TOMBSTONE_PREFIX + hashed(tombs.salt, ref), "")
    day, _, hashes = value.partition("|")
    return {
        "erased_on": day,
        "holds": "a salted hash of the Ref and of "
                 f"{len([h for h in hashes.split(',') if h])} response ids, nothing else",
    }


def collect_erased(ref: str, academy: str, meta: Mapping[str, str],
                   generated_at: str) -> dict[str, Any] | None:
    """The whole record for a Ref that was erased and has not come back: the tombstone."""
    tomb = tombstone_record(ref, meta)
    if tomb is None:
        return None
    return {"subject": ref, "academy": academy, "generated_at": generated_at,
            "tracker_row": {}, "form_a_responses": [], "review_items": [], "change_log": [],
            "frozen_returns": [], "applications": [], "emails": [], "consent": None,
            "tombstone": tomb,
            "notes": ["This student's data was erased on request; destsync keeps only "
                      "the tombstone, so that old answers are not read again."]}
