"""The termly check-in form (issue 16): what a current student says about their plans.

A check-in asks who they are (reference, name, date of birth, as Form A does), their
intended route, and up to N applications (provider, course, level, status). Parsing is
pure and never stops on a bad answer: the field is left out and a problem names it, as
``answers.parse_response`` does for Form A.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, tzinfo

from destsync.domain import levels, names, vocab
from destsync.domain import normalize as n
from destsync.domain.model import APPLICATION_STATUSES, RawResponse

IDENTITY_FIELDS = ("reference", "name", "dob")
SLOT_FIELDS = ("provider", "course", "level", "status")
DEFAULT_SLOTS = 3


def checkin_fields(slots: int) -> tuple[str, ...]:
    """The check-in's logical fields: identity, the intended route, then each slot's."""
    return (*IDENTITY_FIELDS, "intended",
            *(f"app{i}_{f}" for i in range(1, slots + 1) for f in SLOT_FIELDS))


def default_questions(slots: int = DEFAULT_SLOTS) -> dict[str, str]:
    """The titles `destsync setup` gives the check-in form's questions."""
    out = {
        "reference": "Your reference (filled in for you - please leave it as it is)",
        "name": "Name",
        "dob": "Date of Birth",
        "intended": "What do you plan to do after you leave?",
    }
    labels = {"provider": "university, college or employer", "course": "course or job",
              "level": "level", "status": "status (Applied, Offer, Firm, Insurance, "
              "Rejected, Withdrawn, Confirmed)"}
    for i in range(1, slots + 1):
        for f in SLOT_FIELDS:
            out[f"app{i}_{f}"] = f"Application {i}: {labels[f]}"
    return out


# Words students use for a status, folded; each maps to one of APPLICATION_STATUSES.
_STATUS_WORDS: dict[str, str] = {
    "applied": "Applied", "pending": "Applied", "waiting": "Applied", "submitted": "Applied",
    "offer": "Offer", "conditional offer": "Offer", "unconditional offer": "Offer",
    "conditional": "Offer", "unconditional": "Offer", "offered": "Offer",
    "firm": "Firm", "firm choice": "Firm", "firmly accepted": "Firm", "accepted": "Firm",
    "insurance": "Insurance", "insurance choice": "Insurance",
    "rejected": "Rejected", "unsuccessful": "Rejected", "declined by them": "Rejected",
    "withdrawn": "Withdrawn", "withdrew": "Withdrawn", "declined": "Withdrawn",
    "confirmed": "Confirmed", "place confirmed": "Confirmed", "got in": "Confirmed",
}


def parse_status(text: str) -> str | None:
    folded = " ".join(vocab.fold(text).split())
    for status in APPLICATION_STATUSES:
        if folded == status.casefold():
            return status
    return _STATUS_WORDS.get(folded)


_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower case, accents off, runs of anything else one hyphen: "King's College" and
    "kings college" are one provider, so a resubmission finds the same row."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch)).replace("'", "")
    return _SLUG_DROP.sub("-", plain).strip("-")


def app_key(ref: str, provider: str, course: str) -> str:
    """An application's key: the student's Ref and a slug of provider and course."""
    return f"{ref}/{slug(provider)}/{slug(course)}"


@dataclass(frozen=True)
class Application:
    provider: str
    course: str
    level: str
    status: str


@dataclass
class ParsedCheckin:
    raw: RawResponse
    reference: str = ""
    forename: str = ""
    surname: str = ""
    dob: str = ""
    intended: vocab.DestinationType | None = None
    applications: list[Application] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (form field, problem)
    local_date: date | None = None

    @property
    def firm(self) -> Application | None:
        """The place the student means to take: a confirmed one, else the firm choice."""
        for status in ("Confirmed", "Firm"):
            for a in self.applications:
                if a.status == status:
                    return a
        return None


def parse_checkin(raw: RawResponse, today: date, tz: tzinfo | None = None,
                  slots: int = DEFAULT_SLOTS) -> ParsedCheckin:
    a = raw.answers
    p = ParsedCheckin(raw)
    p.local_date = (raw.submitted.astimezone(tz) if tz else raw.submitted).date()
    p.reference = n.clean_text(a.get("reference", ""), 40)
    name = names.normalize_name(a.get("name", ""))
    if name.problem:
        p.problems.append(("name", name.problem))
    if isinstance(name.value, str):
        p.forename, p.surname = names.split_name(name.value)
    dob = n.parse_dob(a.get("dob", ""), today)
    if dob.problem:
        p.problems.append(("dob", dob.problem))
    p.dob = dob.value.isoformat() if isinstance(dob.value, date) else ""
    route = n.clean_text(a.get("intended", ""))
    if route:
        p.intended = vocab.parse_destination(route)
        if p.intended is None:
            p.problems.append(("intended", f"Intended route {n.preview(route)!r} is not one "
                                           "of the form's options; pick the nearest in the "
                                           "tracker."))
    for i in range(1, slots + 1):
        app = _slot(a, f"app{i}_", p.problems)
        if app is not None:
            p.applications.append(app)
    return p


def _slot(answers: Mapping[str, str], prefix: str,
          problems: list[tuple[str, str]]) -> Application | None:
    provider = n.clean_text(answers.get(prefix + "provider", ""), 200)
    course = n.clean_text(answers.get(prefix + "course", ""), 200)
    level_text = n.clean_text(answers.get(prefix + "level", ""))
    status_text = n.clean_text(answers.get(prefix + "status", ""))
    if not (provider or course):
        if level_text or status_text:
            problems.append((prefix + "provider", "An application with a level or status "
                             "but no provider or course was left out; ask the student."))
        return None
    level = levels.parse_level(level_text) if level_text else None
    status = parse_status(status_text) if status_text else "Applied"
    if status is None:
        problems.append((prefix + "status", f"Status {n.preview(status_text)!r} is not one "
                         f"of {', '.join(APPLICATION_STATUSES)}; recorded as Applied."))
        status = "Applied"
    return Application(provider, course, level.label if level else level_text, status)
