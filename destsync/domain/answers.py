"""Turn one raw Form A response into tracker values and a list of plain-English problems.

A bad field never stops anything: the field is left out and a problem names it, so the
rest of the response still counts and a person sees exactly what to check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, tzinfo

from destsync.domain import levels, names, vocab
from destsync.domain import normalize as n
from destsync.domain.model import RawResponse


@dataclass
class ParsedResponse:
    raw: RawResponse
    reference: str = ""
    forename: str = ""
    surname: str = ""
    dob: str = ""
    leaving_year: int | None = None
    email: str = ""
    phone: str = ""
    consent: bool | None = None
    withdraws: bool = False  # the stop link's answer: "No, stop contacting me"
    group_values: dict[str, str] = field(default_factory=dict)  # field key -> value
    problems: list[tuple[str, str]] = field(default_factory=list)  # (form field, problem)
    # The school's calendar date of the submission (Forms gives UTC: 00:30 BST on 1 April
    # is still 31 March in UTC, and would land in the wrong checkpoint).
    local_date: date | None = None
    # Answers longer than a tracker cell keeps: field key -> the whole answer, for the log.
    long_answers: dict[str, str] = field(default_factory=dict)

    @property
    def has_destination(self) -> bool:
        return bool(self.group_values.get("destination"))


CONTACT_KEYS = ("email", "phone")  # contact details: kept only with consent
# Form A's third consent option, the answer every message's stop link prefills: a
# withdrawal, recorded as consent "Withdrawn" (no contact of the student or their parents).
STOP_ANSWER = "No, stop contacting me"

# A Google Sheets cell holds at most 50,000 characters (a workbook cell 32,767): the whole
# of a long answer goes in one Change log cell, up to the smaller limit.
LOG_CELL_LIMIT = 32_000


# Answers that speak for a checkpoint: a reply with any of them, even unreadable, is a
# reply (it stops the reminders), though only readable values are written.
GROUP_ANSWERS = ("destination", "course", "level", "provider", "start_date", "duration")


def parse_response(raw: RawResponse, today: date, tz: tzinfo | None = None) -> ParsedResponse:
    a = raw.answers
    p = ParsedResponse(raw)
    p.local_date = (raw.submitted.astimezone(tz) if tz else raw.submitted).date()
    p.reference = n.clean_text(a.get("reference", ""), 40)

    def take(fieldname: str, parsed: n.Parsed[object]) -> object | None:
        if parsed.problem:
            p.problems.append((fieldname, parsed.problem))
        return parsed.value

    name = take("name", names.normalize_name(a.get("name", "")))
    if isinstance(name, str):
        p.forename, p.surname = names.split_name(name)
    dob = take("dob", n.parse_dob(a.get("dob", ""), today))
    p.dob = dob.isoformat() if isinstance(dob, date) else ""
    year = take("leaving_year", n.parse_leaving_year(a.get("leaving_year", ""), today))
    p.leaving_year = year if isinstance(year, int) else None
    email = take("email", n.parse_email(a.get("email", "")))
    p.email = email if isinstance(email, str) else ""
    for key, what in (("name", "name"), ("email", "email address")):
        if n.INVISIBLE.search(a.get(key, "")):
            # Removed (an invisible character would reach emails and defeat matching);
            # noted, as a pasted name can hide one on purpose.
            p.problems.append((key, f"Invisible characters were removed from the {what}; "
                                    "check it reads as the student wrote it."))
    phone = take("phone", n.parse_phone(a.get("phone", "")))
    p.phone = phone if isinstance(phone, str) else ""
    consent = take("consent", n.parse_consent(a.get("consent", "")))
    p.consent = consent if isinstance(consent, bool) else None
    p.withdraws = p.consent is False and n.is_stop_answer(a.get("consent", ""))
    if p.consent is False:
        # A student who said no: their contact details are not kept anywhere, so a
        # malformed one must not reach the Review tab either (it would quote it).
        p.email = p.phone = ""
        p.problems = [(f, why) for f, why in p.problems if f not in CONTACT_KEYS]

    g = p.group_values
    dest_text = n.clean_text(a.get("destination", ""))
    if dest_text:
        dest = vocab.parse_destination(dest_text)
        if dest is None:
            p.problems.append(
                (
                    "destination",
                    f"Destination {n.preview(dest_text)!r} is not one of the form's options; "
                    "pick the nearest in the tracker.",
                )
            )
        else:
            g["destination"] = dest.label
            g["nccis"] = str(dest.nccis)
    for key in ("course", "provider"):
        text = n.clean_text(a.get(key, ""))
        if text:
            g[key] = text
        whole = n.clean_text(a.get(key, ""), LOG_CELL_LIMIT)
        if len(whole) > len(text):
            p.long_answers[key] = whole
            p.problems.append((key, f"The answer is {len(whole):,} characters long: the "
                                    "tracker cell keeps its start, the Change log has it "
                                    "whole."))
    level_text = n.clean_text(a.get("level", ""))
    if level_text:
        level = levels.parse_level(level_text)
        if level is None:
            # Keep what they wrote: a person can still read it, and nothing is lost.
            g["level"] = level_text
            p.problems.append(
                (
                    "level",
                    f"Level of study {n.preview(level_text)!r} is not a level we recognise; "
                    "it was copied as written.",
                )
            )
        else:
            g["level"] = level.label
    start = take("start_date", n.parse_date(a.get("start_date", ""), today))
    if isinstance(start, date):
        g["start_date"] = start.isoformat()
    months = take("duration", n.parse_duration_months(a.get("duration", "")))
    if isinstance(months, int):
        g["duration"] = str(months)
    if g or any(n.clean_text(a.get(k, "")) for k in GROUP_ANSWERS):
        g["updated"] = p.local_date.isoformat()
    return p
