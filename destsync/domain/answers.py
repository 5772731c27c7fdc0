"""Turn one raw Form A response into tracker values and a list of plain-English problems.

A bad field never stops anything: the field is left out and a problem names it, so the
rest of the response still counts and a person sees exactly what to check.

Parsing is in two steps. ``stable_parse`` reads what the answers say whatever the date
(names, contact details, consent, the destination's words); ``complete`` adds what depends
on the day of the run (a date of birth's age, a leaving year or start date in range) and
the school's calendar date. ``domain.parse_cache`` keeps the first step of a response
already placed, so an unchanged response is not parsed again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, tzinfo

from destsync.domain import levels, names, vocab
from destsync.domain import normalize as n
from destsync.domain.model import RawResponse
from destsync.domain.text_clean import INVISIBLE

Problem = tuple[int, str, str]  # (slot: where parse_response raises it, form field, problem)
Answers = Mapping[str, str]


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


@dataclass
class Stable:
    """The date-independent half of a parse. Problems carry a slot, so ``complete`` puts
    them in the order one pass raises them, wherever the date's problems fall."""

    reference: str = ""
    name: tuple[str, str, list[Problem]] = ("", "", [])  # forename, surname, problems
    email: tuple[str, list[Problem]] = ("", [])
    phone: tuple[str, list[Problem]] = ("", [])
    consent: bool | None = None
    withdraws: bool = False
    group: dict[str, str] = field(default_factory=dict)  # without start_date and updated
    answered: bool = False  # any answer for a checkpoint, readable or not
    problems: list[Problem] = field(default_factory=list)  # consent and the group's
    long_answers: dict[str, str] = field(default_factory=dict)


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
# Many students give the same destination and level: each wording is read once a run.
# The order group values are wanted in (and so the order of the plan's changes).
GROUP_ORDER = ("destination", "nccis", "course", "provider", "level")


def parse_response(raw: RawResponse, today: date, tz: tzinfo | None = None) -> ParsedResponse:
    return complete(stable_parse(raw), raw, today, tz)


def _problem(out: list[Problem], slot: int, fieldname: str, parsed: n.Parsed[object]) -> None:
    if parsed.problem:
        out.append((slot, fieldname, parsed.problem))


def name_part(a: Answers) -> tuple[str, str, list[Problem]]:
    problems: list[Problem] = []
    parsed = names.normalize_name(a.get("name", ""))
    _problem(problems, 0, "name", parsed)
    forename, surname = names.split_name(parsed.value) if parsed.value else ("", "")
    if INVISIBLE.search(a.get("name", "")):
        # Removed (an invisible character would reach emails and defeat matching);
        # noted, as a pasted name can hide one on purpose.
        problems.append((4, "name", "Invisible characters were removed from the name; "
                                    "check it reads as the student wrote it."))
    return forename, surname, problems


def email_part(a: Answers) -> tuple[str, list[Problem]]:
    problems: list[Problem] = []
    parsed = n.parse_email(a.get("email", ""))
    _problem(problems, 3, "email", parsed)
    if INVISIBLE.search(a.get("email", "")):
        problems.append((5, "email", "Invisible characters were removed from the email "
                                     "address; check it reads as the student wrote it."))
    return parsed.value or "", problems


def phone_part(a: Answers) -> tuple[str, list[Problem]]:
    problems: list[Problem] = []
    parsed = n.parse_phone(a.get("phone", ""))
    _problem(problems, 6, "phone", parsed)
    return parsed.value or "", problems


def stable_parse(raw: RawResponse) -> Stable:
    a = raw.answers
    s = Stable(n.clean_text(a.get("reference", ""), 40), name_part(a), email_part(a),
               phone_part(a))
    consent = n.parse_consent(a.get("consent", ""))
    _problem(s.problems, 7, "consent", consent)
    s.consent = consent.value
    s.withdraws = s.consent is False and n.is_stop_answer(a.get("consent", ""))
    g = s.group
    dest_text = n.clean_text(a.get("destination", ""))
    if dest_text:
        dest = vocab.parse_destination(dest_text)
        if dest is None:
            s.problems.append((8, "destination",
                               f"Destination {n.preview(dest_text)!r} is not one of the form's "
                               "options; pick the nearest in the tracker."))
        else:
            g["destination"] = dest.label
            g["nccis"] = str(dest.nccis)
    for slot, key in ((9, "course"), (10, "provider")):
        text = n.clean_text(a.get(key, ""))
        if text:
            g[key] = text
        whole = n.clean_text(a.get(key, ""), LOG_CELL_LIMIT)
        if len(whole) > len(text):
            s.long_answers[key] = whole
            s.problems.append((slot, key, f"The answer is {len(whole):,} characters long: "
                                          "the tracker cell keeps its start, the Change log "
                                          "has it whole."))
    level_text = n.clean_text(a.get("level", ""))
    if level_text:
        level = levels.parse_level(level_text)
        if level is None:
            # Keep what they wrote: a person can still read it, and nothing is lost.
            g["level"] = level_text
            s.problems.append((11, "level",
                               f"Level of study {n.preview(level_text)!r} is not a level we "
                               "recognise; it was copied as written."))
        else:
            g["level"] = level.label
    months = n.parse_duration_months(a.get("duration", ""))
    _problem(s.problems, 13, "duration", months)
    if isinstance(months.value, int):
        g["duration"] = str(months.value)
    # Every group value comes from a non-empty answer, so this alone says "a reply".
    s.answered = any(n.clean_text(a.get(k, "")) for k in GROUP_ANSWERS)
    return s


def complete(s: Stable, raw: RawResponse, today: date, tz: tzinfo | None = None
             ) -> ParsedResponse:
    """``s`` and what depends on ``today``, as one pass of ``parse_response`` gives it."""
    a = raw.answers
    p = ParsedResponse(raw, s.reference, s.name[0], s.name[1], consent=s.consent,
                       withdraws=s.withdraws, long_answers=dict(s.long_answers))
    p.local_date = (raw.submitted.astimezone(tz) if tz else raw.submitted).date()
    problems = [*s.name[2], *s.email[1], *s.phone[1], *s.problems]
    dob = n.parse_dob(a.get("dob", ""), today)
    _problem(problems, 1, "dob", dob)
    p.dob = dob.value.isoformat() if dob.value else ""
    year = n.parse_leaving_year(a.get("leaving_year", ""), today)
    _problem(problems, 2, "leaving_year", year)
    p.leaving_year = year.value
    start = n.parse_date(a.get("start_date", ""), today)
    _problem(problems, 12, "start_date", start)
    p.email, p.phone = s.email[0], s.phone[0]
    if p.consent is False:
        # A student who said no: their contact details are not kept anywhere, so a
        # malformed one must not reach the Review tab either (it would quote it).
        p.email = p.phone = ""
        problems = [x for x in problems if x[1] not in CONTACT_KEYS]
    problems.sort(key=lambda x: x[0])  # stable: one slot's problems keep their order
    p.problems = [(f, why) for _, f, why in problems]
    g = p.group_values
    for key in GROUP_ORDER:
        if key in s.group:
            g[key] = s.group[key]
    if start.value:
        g["start_date"] = start.value.isoformat()
    if "duration" in s.group:
        g["duration"] = s.group["duration"]
    if s.answered:
        g["updated"] = p.local_date.isoformat()
    return p
