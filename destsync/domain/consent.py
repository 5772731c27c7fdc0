"""Consent: which values, wherever they are typed or chosen, mean "do not keep my contact
details". The one place the planner asks; every withdrawal path (Form A "No", the staff
dropdowns, a stop link that records a withdrawal) ends here and in ``erasure``."""

from __future__ import annotations

import hashlib
import re

# Staff's Contact status option, and the Consent dropdown's own options that take consent
# away (``layout.dropdown_lists``): "No" is a refusal, "Withdrawn" a withdrawal.
WITHDRAWN_STATUSES = frozenset({"Consent withdrawn"})
WITHDRAWN_CONSENTS = frozenset({"No", "Withdrawn"})


def withdrawn(contact_status: str, consent: str) -> bool:
    """Whether a row's own cells say its contact details must go."""
    return (contact_status.strip() in WITHDRAWN_STATUSES
            or consent.strip() in WITHDRAWN_CONSENTS)


# -- consent as evidence --------------------------------------------------------------
# For each leaver the tracker keeps the state (the Consent column), the date (Consent
# date) and, in Consent evidence, the channel, the wording's version and the record it
# came from. The version is a short hash of the consent question's text; the full text is
# kept once per version in ``_destsync_meta`` (``WORDING_PREFIX``), so a change of wording
# on the form is a new version and the old one can still be shown.
WORDING_PREFIX = "consent_wording/"
STATES = {"Yes": "given", "No": "refused", "Withdrawn": "withdrawn", "": "not asked"}
# How destsync learnt it: a Form A answer, a person's edit of the tracker, the stop link
# (a prefilled Form A answer "No, stop contacting me"). "email reply" is reserved: a reply
# never changes consent (``mailback`` puts it on Review for staff, whose edit is "staff").
CHANNELS = ("Form A", "staff", "stop link", "email reply")
FORM_A, STAFF, STOP_LINK, EMAIL_REPLY = CHANNELS
NO_WORDING = "n/a"  # staff recorded it: destsync showed no wording
_CHANNEL = re.compile(r"^\w[\w ]* via (" + "|".join(CHANNELS) + r")\b")
_SEEN = re.compile(r"seen (\d{4}-\d{2}-\d{2})\)$")


def version_of(question: str) -> str:
    return "v" + hashlib.sha256(" ".join(question.split()).encode()).hexdigest()[:8]


def state_of(consent: str) -> str:
    return STATES.get(consent.strip(), "not asked")


def evidence(said: str, channel: str, version: str, record: str) -> str:
    """The Consent evidence cell: the state ``said`` (a Consent value), how, under which
    wording, and on which record."""
    wording = f", wording {version}" if version else ""
    return f"{state_of(said)} via {channel}{wording} ({record})"


def staff_evidence(said: str, what: str, seen: str) -> str:
    """Consent a person typed or chose on the tracker: ``what`` names the cell and value,
    ``seen`` the day destsync first saw it (kept from run to run by ``seen_in``)."""
    return evidence(said, STAFF, NO_WORDING, f"{what}, seen {seen}")


def channel_in(evidence_text: str) -> str:
    m = _CHANNEL.match(evidence_text.strip())
    return m.group(1) if m else ""


def seen_in(evidence_text: str) -> str:
    m = _SEEN.search(evidence_text.strip())
    return m.group(1) if m else ""


_VERSION = re.compile(r"wording (v[0-9a-f]{8})")


def version_in(evidence_text: str) -> str:
    m = _VERSION.search(evidence_text)
    return m.group(1) if m else ""


def known_versions(meta: dict[str, str]) -> set[str]:
    return {k[len(WORDING_PREFIX):] for k in meta if k.startswith(WORDING_PREFIX)}


def new_wording(meta: dict[str, str], wording: str) -> dict[str, str]:
    """The meta row recording ``wording`` in full, the first time its version is seen."""
    text = " ".join(wording.split())
    if not text or WORDING_PREFIX + version_of(text) in meta:
        return {}
    return {WORDING_PREFIX + version_of(text): text}


def version_for(prior_evidence: str, record: str, live: str) -> str:
    """The wording a response was given under: the one already on record for that same
    response (a wording changed since does not rewrite it), else the live one."""
    kept = version_in(prior_evidence)
    return kept if kept and record in prior_evidence else live


def live_line(wording: str, meta: dict[str, str]) -> str:
    """What `destsync check` says about the consent question's wording."""
    if not wording.strip():
        return "consent wording: none configured (form_a.questions.consent)"
    v = version_of(wording)
    older = sorted(known_versions(meta) - {v})
    state = ("on record" if WORDING_PREFIX + v in meta
             else "new: recorded at the next sync; earlier answers keep their wording")
    also = f"; earlier wordings on record: {', '.join(older)}" if older else ""
    return f"consent wording {v} is live ({state}){also}"
