"""Parse and validate single Form A answers; mask personal data for logs.

This module owns the rules for one answer at a time: every parser takes the raw text a
student typed and returns a `Parsed` value (the clean value, or a one-sentence problem a
careers leader can act on). Empty answers are "no answer", not a problem. Parsers never
raise on any str. No I/O happens here.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from destsync.domain.text_clean import ASCII, clean_all
from destsync.domain.text_clean import INVISIBLE as INVISIBLE  # what clean_text removes

T = TypeVar("T")
# The parsers below are pure, and Parsed is frozen, so a repeated answer (a date of birth
# many students share, a consent "Yes", the same email given twice) is parsed once per
# process. Bounded, so a trust's run cannot grow it without limit.
cached = functools.lru_cache(maxsize=1 << 15)
# Covariant so a Parsed[str] is usable where a Parsed[object] is expected (it is frozen).
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True)
class Parsed(Generic[T_co]):
    """The outcome of parsing one answer: a value, a problem, or neither (no answer)."""

    value: T_co | None
    problem: str | None = None

    @property
    def is_ok(self) -> bool:
        return self.problem is None


def ok(value: T | None) -> Parsed[T]:
    """A good answer (or, with None, no answer at all)."""
    return Parsed(value, None)


def bad(problem: str) -> Parsed[T]:
    """An answer that could not be used; `problem` is one sentence for a person."""
    return Parsed(None, problem)


# --- text -----------------------------------------------------------------------------

def clean_text(text: str, max_len: int = 500) -> str:
    """NFC-normalise, drop control characters, collapse whitespace, trim and truncate."""
    if max_len <= 0:
        return ""
    # Long text is cut first (well past max_len, so what is dropped or collapsed cannot
    # bring it under), then cleaned; if it did come out short, the whole text is cleaned.
    if len(text) > 2 * max_len + 64 and (cut := ASCII.search(text, 2 * max_len + 64)):
        head = clean_all(text[: cut.start()])
        if len(head) > max_len:
            return head[: max_len - 1].rstrip() + "…"
    text = clean_all(text)
    if len(text) > max_len:
        return text[: max_len - 1].rstrip() + "…"
    return text


def preview(text: str, limit: int = 60) -> str:
    """A short, safe quotation of a bad answer for a problem message."""
    return clean_text(text, max_len=limit)


def is_formula_like(s: str) -> bool:
    """True if a spreadsheet could read this text as a formula (writers force text)."""
    return s.startswith(("=", "+", "-", "@", "\t", "\r"))


# --- dates ----------------------------------------------------------------------------

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()
_MONTHS = {n: i for i, full in enumerate(_MONTH_NAMES, 1) for n in (full, full[:3])}
_MONTHS["sept"] = 9
_NUMERIC_DMY = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4}|\d{2})")
_NUMERIC_YMD = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[t ]\d{1,2}:\d{2}.*)?")
_TEXT_DMY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?(?: of)? ([a-z]+)\.?,? (\d{4})")
_TEXT_MDY = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")
_MONTH_YEAR = re.compile(r"(?:([a-z]+)\.?|(\d{1,2})[/.\-]) ?(\d{4})|(\d{4})-(\d{1,2})")
_IMPOSSIBLE = "impossible"
_DMY_HINT = "expected day/month/year such as 14/03/2007"


def _year(digits: str) -> int:
    # Two-digit years: 00-30 are this century (today's teenagers), the rest the last.
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year <= 30 else 1900
    return year


def _make_date(year: int, month: int | None, day: int) -> date | str | None:
    if month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return _IMPOSSIBLE


def _read_date(text: str, month_year: bool) -> date | str | None:
    """A date, _IMPOSSIBLE (date-shaped but not real), or None (not a date at all)."""
    s = clean_text(text, max_len=60).lower()
    if m := _NUMERIC_DMY.fullmatch(s):
        return _make_date(_year(m[3]), int(m[2]), int(m[1]))
    if m := _NUMERIC_YMD.fullmatch(s):
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _TEXT_DMY.fullmatch(s):
        return _make_date(int(m[3]), _MONTHS.get(m[2]), int(m[1]))
    if m := _TEXT_MDY.fullmatch(s):
        return _make_date(int(m[3]), _MONTHS.get(m[1]), int(m[2]))
    if month_year and (m := _MONTH_YEAR.fullmatch(s)):
        if m[4]:
            return _make_date(int(m[4]), int(m[5]), 1)
        month = _MONTHS.get(m[1]) if m[1] else int(m[2])
        return _make_date(int(m[3]), month, 1)
    return None


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a non-leap year
        return d.replace(year=d.year + years, day=28)


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@cached
def parse_dob(text: str, today: date) -> Parsed[date]:
    """A date of birth, day-first, for someone aged 14 to 30 on `today`."""
    if not clean_text(text):
        return ok(None)
    quoted = preview(text)
    found = _read_date(text, month_year=False)
    if found is None:
        return bad(f"Date of birth '{quoted}' is not a date; {_DMY_HINT}.")
    if not isinstance(found, date):
        return bad(f"Date of birth '{quoted}' is not a real date; {_DMY_HINT}.")
    if found > today:
        return bad(f"Date of birth '{quoted}' is in the future; check the year.")
    age = _age_on(found, today)
    if age < 14:
        return bad(f"Date of birth '{quoted}' makes the student {age}, younger than 14.")
    if age > 30:
        return bad(f"Date of birth '{quoted}' makes the student {age}, older than 30.")
    return ok(found)


@cached
def parse_date(text: str, today: date) -> Parsed[date]:
    """A start date; "September 2026" or "09/2026" means the 1st of that month."""
    if not clean_text(text):
        return ok(None)
    quoted = preview(text)
    found = _read_date(text, month_year=True)
    if found is None:
        return bad(f"Start date '{quoted}' is not a date; {_DMY_HINT} or September 2026.")
    if not isinstance(found, date):
        return bad(f"Start date '{quoted}' is not a real date; {_DMY_HINT}.")
    if found < _add_years(today, -6):
        return bad(f"Start date '{quoted}' is more than 6 years ago; check the year.")
    if found > _add_years(today, 3):
        return bad(f"Start date '{quoted}' is more than 3 years ahead; check the year.")
    return ok(found)


@cached
def parse_leaving_year(text: str, today: date) -> Parsed[int]:
    """The calendar year a student left; "2024/25" means they left in summer 2025."""
    s = clean_text(text, max_len=100).lower()
    if not s:
        return ok(None)
    quoted = preview(text)
    hint = "expected a year such as 2025"
    if m := re.search(r"\b(\d{4}) ?[/\-–] ?(\d{4}|\d{2})\b", s):
        first, second = int(m[1]), int(m[2])
        if len(m[2]) == 2:
            second += first // 100 * 100
        if second != first + 1:
            return bad(f"Year of leaving '{quoted}' is not one school year; {hint}.")
        year = second
    else:
        years = {int(y) for y in re.findall(r"\b\d{4}\b", s)}
        if not years and re.fullmatch(r"\d{2}", s):
            years = {2000 + int(s)}
        if len(years) != 1:
            return bad(f"Year of leaving '{quoted}' is not a single year; {hint}.")
        year = years.pop()
    if not today.year - 5 <= year <= today.year + 2:
        low, high = today.year - 5, today.year + 2
        return bad(f"Year of leaving '{quoted}' is outside {low} to {high}; {hint}.")
    return ok(year)


# --- contact details ------------------------------------------------------------------


@cached
def parse_email(text: str) -> Parsed[str]:
    """One email address, domain lower-cased; never a list or a header injection."""
    s = clean_text(text, max_len=320)
    if not s:
        return ok(None)
    # Line breaks inside the answer could inject mail headers; commas and semicolons
    # would send to several people. Surrounding whitespace is harmless.
    if re.search(r"[\r\n\x85\u2028\u2029,;]", text.strip()):
        return bad(f"Email address '{preview(text)}' must be a single address on one line.")
    s = re.sub(r"(?i)^mailto:", "", s)
    if (m := _SIMPLE_EMAIL.fullmatch(s)) and len(s) <= 200 and len(m[1]) <= 60:
        # A plain address (most of them): its local part stands as typed, so only its
        # domain needs the validator, once per domain. Anything else is checked in full.
        domain = _email_domain(m[2])
        if domain:
            return ok(f"{m[1]}@{domain}")
    try:
        result = validate_email(s, check_deliverability=False)
    except EmailNotValidError:
        return bad(f"Email address '{preview(s)}' is not valid; expected name@example.org.")
    return ok(str(result.normalized))


# A dot-atom local part of letters, digits, "_", "+" and "-" (well inside RFC 5322, and
# kept as typed by the validator) and a domain of LDH labels; lengths are capped below.
_SIMPLE_EMAIL = re.compile(
    r"([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


@cached
def _email_domain(domain: str) -> str:
    """The domain as the validator normalises it, or "" when it refuses it."""
    try:
        return str(validate_email(f"a@{domain}", check_deliverability=False).domain)
    except EmailNotValidError:
        return ""


# Ofcom reserves these for drama and examples; libphonenumber marks the mobile range
# invalid, but accepting them lets demos and tests use numbers that reach nobody.
_OFCOM_FICTIONAL = ("7700900", "1632960")


@cached
def parse_phone(text: str, region: str = "GB") -> Parsed[str]:
    """A phone number in E.164 form ("+447700900123"); any extension is dropped."""
    s = clean_text(text, max_len=60)
    if not s:
        return ok(None)
    quoted = preview(text)
    if any(c.isalpha() for c in re.sub(r"(?i)\bext(ension)?\b\.?", "", s)):
        return bad(f"Telephone number '{quoted}' contains letters.")
    try:
        number = phonenumbers.parse(s, region)
    except phonenumbers.NumberParseException:
        return bad(f"Telephone number '{quoted}' is not a phone number.")
    national = str(number.national_number)
    fictional = number.country_code == 44 and len(national) == 10
    fictional = fictional and national.startswith(_OFCOM_FICTIONAL)
    if not (fictional or phonenumbers.is_valid_number(number)):
        return bad(f"Telephone number '{quoted}' is not a valid number; check the digits.")
    return ok(str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)))


# --- yes/no and durations -------------------------------------------------------------

_YES_FIRST = frozenset({"yes", "y", "yeah", "yep", "true"})
_NO_FIRST = frozenset({"no", "n", "nope", "false", "disagree", "dont", "not", "refuse"})
_YES_PHRASES = ("i agree", "agree", "i consent", "consent", "i accept", "accept", "i do")
_NO_PHRASES = ("i do not", "do not", "i dont", "i disagree", "i refuse", "i withdraw")
_NEGATIONS = frozenset({"not", "dont", "no", "never", "withdraw", "withdrawn", "refuse"})


@cached
def parse_consent(text: str) -> Parsed[bool]:
    """Yes/no from a consent answer; unclear answers are a problem, never a guess."""
    cleaned = clean_text(text)
    if not cleaned:
        return ok(None)
    norm = cleaned.lower().replace("'", "").replace("’", "")
    norm = " ".join(re.sub(r"[^a-z]+", " ", norm).split())
    words = norm.split(" ")
    starts = f"{norm} ".startswith
    if not norm:
        return bad(f"Consent answer '{preview(text)}' is not clearly yes or no.")
    if words[0] in _NO_FIRST or any(starts(f"{p} ") for p in _NO_PHRASES):
        return ok(False)
    if words[0] in _YES_FIRST:
        return ok(True)
    if any(starts(f"{p} ") for p in _YES_PHRASES) and not _NEGATIONS & set(words):
        return ok(True)
    return bad(f"Consent answer '{preview(text)}' is not clearly yes or no.")


def is_stop_answer(text: str) -> bool:
    """The stop link's consent answer ("No, stop contacting me"), however a CSV export or a
    person spelled it: a no that asks for no more contact, not only no storing."""
    words = re.sub(r"[^a-z]+", " ", clean_text(text).lower()).split()
    return bool(words) and words[0] in _NO_FIRST and "stop" in words


_UNKNOWN_DURATION = re.compile(
    r"\b(permanent|ongoing|not sure|unsure|dont know|unknown|n a|na|tbc|tbd|indefinite"
    r"|open ended|no end date)\b"
)
_WORD_NUMBERS = dict(
    zip(
        "a an one two three four five six seven eight nine ten eleven twelve".split(),
        "1 1 1 2 3 4 5 6 7 8 9 10 11 12".split(),
        strict=True,
    )
)
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?) ?(years?|yrs?|y|months?|mths?|mos?|m|weeks?|wks?|w|days?|d)\b"
)
_DAYS_PER_UNIT = {"y": 365.25, "m": 30.4375, "w": 7.0, "d": 1.0}
_DAYS_PER_MONTH = 30.4375
_MAX_MONTHS = 120


@cached
def parse_duration_months(text: str) -> Parsed[int]:
    """An expected duration in whole months (rounded up); "ongoing" is simply unknown."""
    cleaned = clean_text(text, max_len=100)
    if not cleaned:
        return ok(None)
    norm = cleaned.lower().replace("'", "").replace("’", "")
    norm = " ".join(re.sub(r"[^a-z0-9.]+", " ", norm).split())
    if _UNKNOWN_DURATION.search(norm):
        return ok(None)
    quoted = preview(text)
    words = [_WORD_NUMBERS.get(w, w) for w in norm.split(" ")]
    norm = " ".join(words)
    if re.fullmatch(r"\d+(\.\d+)?", norm):
        # A bare number: small numbers are years of a course, larger ones months.
        number = float(norm)
        months = number * 12 if number <= 8 else number
    else:
        parts = _DURATION_PART.findall(norm)
        if not parts:
            return bad(
                f"Expected duration '{quoted}' is not a length of time; "
                "expected something like 3 years or 18 months."
            )
        days = sum(float(n) * _DAYS_PER_UNIT[unit[0]] for n, unit in parts)
        months = days / _DAYS_PER_MONTH
    # Round first so float noise (12.000000001 months) does not round up a whole year.
    if not 0 < round(months, 6) <= _MAX_MONTHS:
        return bad(f"Expected duration '{quoted}' should be between 1 month and 10 years.")
    return ok(math.ceil(round(months, 6)))
