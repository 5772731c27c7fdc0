"""Single-answer parsers: values, plain-English problems, and never a crash."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from destsync.domain import masking, names
from destsync.domain import normalize as n
from destsync.domain.normalize import Parsed

TODAY = date(2026, 11, 22)


def assert_problem(result: Parsed[object], *fragments: str) -> None:
    assert result.value is None
    assert result.problem is not None and not result.is_ok
    for fragment in fragments:
        assert fragment in result.problem


# --- Parsed ---------------------------------------------------------------------------


def test_ok_and_bad_build_good_and_problem_results() -> None:
    good: Parsed[int] = n.ok(3)
    problem: Parsed[int] = n.bad("Something is wrong.")
    assert (good.value, good.problem, good.is_ok) == (3, None, True)
    assert (problem.value, problem.problem, problem.is_ok) == (None, "Something is wrong.", False)


EVERY_OPTIONAL_PARSER: list[Callable[[str], Parsed[object]]] = [
    names.normalize_name,
    lambda s: n.parse_dob(s, TODAY),
    lambda s: n.parse_date(s, TODAY),
    n.parse_email,
    n.parse_phone,
    lambda s: n.parse_leaving_year(s, TODAY),
    n.parse_consent,
    n.parse_duration_months,
]


@pytest.mark.parametrize("blank", ["", "   ", "\t\n", "\u00a0"])
@pytest.mark.parametrize("parse", EVERY_OPTIONAL_PARSER)
def test_a_blank_answer_is_no_answer_rather_than_a_problem(
    parse: Callable[[str], Parsed[object]], blank: str
) -> None:
    assert parse(blank) == Parsed(None, None)


# --- clean_text and preview -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Jo   Bloggs  ", "Jo Bloggs"),
        ("line one\nline two\r\n\tend", "line one line two end"),
        ("nul\x00here", "nulhere"),
        ("bell\x07 and \x9f C1", "bell and C1"),
        ("e\u0301cole", "\u00e9cole"),  # decomposed é becomes one NFC character
        ("\u202eevil", "evil"),  # a right-to-left override cannot disguise text
        ("emoji 🎓 stay", "emoji 🎓 stay"),
        ("lone \ud800 surrogate", "lone ? surrogate"),
    ],
)
def test_clean_text_normalises_whitespace_and_drops_control_characters(
    raw: str, clean: str
) -> None:
    assert n.clean_text(raw) == clean


def test_clean_text_truncates_long_answers_with_an_ellipsis() -> None:
    out = n.clean_text("x" * 10_000)
    assert len(out) == 500 and out.endswith("…")
    assert n.clean_text("abcdef", max_len=4) == "abc…"
    assert n.clean_text("abcd", max_len=4) == "abcd"


def test_preview_quotes_at_most_sixty_characters() -> None:
    assert len(n.preview("y" * 1000)) == 60
    assert n.preview("bad\x00answer\n") == "badanswer"


@given(st.text(), st.integers(min_value=0, max_value=600))
def test_clean_text_never_raises_and_never_returns_control_characters_or_too_much(
    text: str, max_len: int
) -> None:
    out = n.clean_text(text, max_len)
    assert len(out) <= max_len
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in out)
    assert out == out.strip()
    assert "  " not in out


# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("jo bloggs", "Jo Bloggs"),
        ("JO BLOGGS", "Jo Bloggs"),
        ("o'neill", "O'Neill"),
        ("anne-marie smith", "Anne-Marie Smith"),
        ("MCDONALD", "McDonald"),
        ("ludwig van der berg", "Ludwig van der Berg"),
        ("maria de souza", "Maria de Souza"),
        ("van berg", "Van Berg"),
        ("deShawn McKenzie", "deShawn McKenzie"),  # mixed case is left as typed
        ("Zoë", "Zoë"),
        ("ŁUKASZ NOWAK", "Łukasz Nowak"),
        ("محمد", "محمد"),
        ("王芳", "王芳"),
        ("Zoe\u0308", "Zoë"),
        ("  Sam   Example ", "Sam Example"),
    ],
)
def test_names_are_tidied_only_when_typed_all_upper_or_all_lower(raw: str, name: str) -> None:
    assert names.normalize_name(raw) == Parsed(name, None)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("sam@example.org", "email address"),
        ("12345", "no letters"),
        ("--- ...", "no letters"),
        ("A" * 101, "longer than 100"),
    ],
)
def test_names_that_are_not_names_get_a_problem(raw: str, fragment: str) -> None:
    assert_problem(names.normalize_name(raw), fragment)


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Sam Example", ("Sam", "Example")),
        ("Sam Alex Example", ("Sam Alex", "Example")),
        ("Example, Sam", ("Sam", "Example")),
        ("Femke van Dalsum", ("Femke", "van Dalsum")),
        ("Zephyrine", ("Zephyrine", "")),
        ("", ("", "")),
    ],
)
def test_split_name_takes_the_last_token_as_surname(full: str, parts: tuple[str, str]) -> None:
    assert names.split_name(full) == parts


# --- dates of birth -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "14/03/2007",
        "14-03-2007",
        "14.03.2007",
        "14/3/07",
        "2007-03-14",
        "14 March 2007",
        "14 Mar 2007",
        "14th of March 2007",
        "March 14, 2007",
    ],
)
def test_dates_of_birth_are_read_day_first_in_every_common_format(raw: str) -> None:
    assert n.parse_dob(raw, TODAY) == Parsed(date(2007, 3, 14), None)


def test_two_digit_years_are_read_as_this_century_for_teenagers() -> None:
    assert n.parse_dob("01/09/08", TODAY).value == date(2008, 9, 1)
    assert n.parse_dob("01/09/99", TODAY).value == date(1999, 9, 1)


def test_an_impossible_date_of_birth_is_named_in_plain_english() -> None:
    result = n.parse_dob("31/02/2007", TODAY)
    assert result.problem == (
        "Date of birth '31/02/2007' is not a real date; expected day/month/year such as 14/03/2007."
    )


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("not telling", "is not a date"),
        ("03/14/2007", "not a real date"),  # American order: month 14
        ("01/01/2027", "in the future"),
        ("23/11/2012", "younger than 14"),
        ("21/11/1995", "older than 30"),
    ],
)
def test_implausible_dates_of_birth_get_a_problem(raw: str, fragment: str) -> None:
    assert_problem(n.parse_dob(raw, TODAY), fragment, raw)


def test_age_bounds_are_inclusive_on_birthdays() -> None:
    assert n.parse_dob("22/11/2012", TODAY).value == date(2012, 11, 22)  # just 14
    assert n.parse_dob("23/11/1995", TODAY).value == date(1995, 11, 23)  # still 30


def test_problems_quote_at_most_sixty_characters_of_the_answer() -> None:
    result = n.parse_dob("nonsense " * 50, TODAY)
    assert result.problem is not None
    quoted = result.problem.split("'")[1]
    assert len(quoted) <= 60 and quoted.endswith("…")


# --- start dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01/09/2026", date(2026, 9, 1)),
        ("2026-09-07", date(2026, 9, 7)),
        ("7 Sept 2026", date(2026, 9, 7)),
        ("September 2026", date(2026, 9, 1)),
        ("Sept 2026", date(2026, 9, 1)),
        ("sep 2026", date(2026, 9, 1)),
        ("09/2026", date(2026, 9, 1)),
        ("9/2027", date(2027, 9, 1)),
    ],
)
def test_start_dates_accept_a_month_and_year_as_the_first_of_the_month(
    raw: str, expected: date
) -> None:
    assert n.parse_date(raw, TODAY) == Parsed(expected, None)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("soon", "not a date"),
        ("13/2026", "not a real date"),
        ("September 2030", "more than 3 years ahead"),
        ("01/09/2019", "more than 6 years ago"),
    ],
)
def test_start_dates_outside_the_plausible_window_get_a_problem(raw: str, fragment: str) -> None:
    assert_problem(n.parse_date(raw, TODAY), fragment)


# --- email ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("sam.example@example.org", "sam.example@example.org"),
        ("  Sam.Example@EXAMPLE.ORG ", "Sam.Example@example.org"),
        ("mailto:sam@example.org", "sam@example.org"),
    ],
)
def test_emails_are_returned_with_the_domain_lower_cased(raw: str, email: str) -> None:
    assert n.parse_email(raw) == Parsed(email, None)


@pytest.mark.parametrize(
    "raw",
    [
        "sam@example.org\r\nBcc: all@example.org",
        "sam@example.org, alex@example.org",
        "sam@example.org; alex@example.org",
    ],
)
def test_emails_with_line_breaks_or_several_addresses_are_refused(raw: str) -> None:
    assert_problem(n.parse_email(raw), "single address")


@pytest.mark.parametrize("raw", ["sam", "sam@", "@example.org", "sam at example dot org"])
def test_invalid_emails_get_a_problem(raw: str) -> None:
    assert_problem(n.parse_email(raw), "is not valid")


# --- phone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("(0161) 496 0000", "+441614960000"),
        ("020 7946 0018", "+442079460018"),
        ("0161 496 0000 ext 12", "+441614960000"),
    ],
)
def test_uk_phone_numbers_are_returned_in_e164(raw: str, e164: str) -> None:
    assert n.parse_phone(raw) == Parsed(e164, None)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("call me", "contains letters"),
        ("0800 FLOWERS", "contains letters"),
        ("12345", "not a valid number"),
        ("+", "not a phone number"),
    ],
)
def test_phone_numbers_that_cannot_be_dialled_get_a_problem(raw: str, fragment: str) -> None:
    assert_problem(n.parse_phone(raw), fragment)


# --- leaving year ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "year"),
    [("2025", 2025), ("Summer 2025", 2025), ("2024/25", 2025), ("2024-2025", 2025), ("26", 2026)],
)
def test_leaving_year_is_the_summer_they_left(raw: str, year: int) -> None:
    assert n.parse_leaving_year(raw, TODAY) == Parsed(year, None)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("last year", "not a single year"),
        ("2024 or 2025", "not a single year"),
        ("2023/25", "not one school year"),
        ("2019", "outside 2021 to 2028"),
        ("2030", "outside 2021 to 2028"),
    ],
)
def test_implausible_leaving_years_get_a_problem(raw: str, fragment: str) -> None:
    assert_problem(n.parse_leaving_year(raw, TODAY), fragment)


# --- consent --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "consent"),
    [
        ("Yes", True),
        ("yes", True),
        ("y", True),
        ("true", True),
        ("I agree", True),
        ("I consent", True),
        ("agree", True),
        ("Yes, I agree to be contacted for three years", True),
        ("No", False),
        ("n", False),
        ("false", False),
        ("disagree", False),
        ("Do not contact me", False),
        ("I don't agree", False),
        ("No, I do not agree", False),
    ],
)
def test_consent_answers_read_as_yes_or_no(raw: str, consent: bool) -> None:
    assert n.parse_consent(raw) == Parsed(consent, None)


@pytest.mark.parametrize("raw", ["maybe", "ask my mum", "consent withdrawn", "I agree not to", "?"])
def test_unclear_consent_is_a_problem_never_a_guess(raw: str) -> None:
    assert_problem(n.parse_consent(raw), "not clearly yes or no")


# --- duration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "months"),
    [
        ("3 years", 36),
        ("1 year", 12),
        ("18 months", 18),
        ("2 yrs", 24),
        ("6 weeks", 2),
        ("1 year 6 months", 18),
        ("2.5 years", 30),
        ("two years", 24),
        ("a year", 12),
        ("3", 36),
        ("12", 12),
    ],
)
def test_durations_become_whole_months_rounded_up(raw: str, months: int) -> None:
    assert n.parse_duration_months(raw) == Parsed(months, None)


@pytest.mark.parametrize("raw", ["permanent", "Ongoing", "not sure", "N/A", "don't know"])
def test_open_ended_durations_are_unknown_without_a_problem(raw: str) -> None:
    assert n.parse_duration_months(raw) == Parsed(None, None)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [("banana", "not a length of time"), ("0", "between 1 month"), ("40 years", "10 years")],
)
def test_durations_that_are_not_lengths_of_time_get_a_problem(raw: str, fragment: str) -> None:
    assert_problem(n.parse_duration_months(raw), fragment)


# --- masking and formulas -------------------------------------------------------------


def test_masks_keep_enough_to_tell_records_apart_and_no_more() -> None:
    assert masking.mask_email("jo@example.org") == "j***@e***.org"
    assert masking.mask_phone("+447700900123") == "+44*******123"
    assert masking.mask_name("Alex Bloggs") == "A. B***"
    assert masking.mask_name("Zephyrine") == "Z***"
    assert (masking.mask_email(""), masking.mask_phone(""), masking.mask_name("")) == ("", "", "")
    assert masking.mask_email("not an email") == "***"


@pytest.mark.parametrize(
    ("text", "formula_like"),
    [
        ('=HYPERLINK("x")', True),
        ("+447700900123", True),
        ("-1", True),
        ("@SUM(A1)", True),
        ("\tx", True),
        ("\rx", True),
        ("University", False),
        ("", False),
        (" =1", False),
    ],
)
def test_formula_like_text_is_spotted(text: str, formula_like: bool) -> None:
    assert n.is_formula_like(text) is formula_like


# --- properties -----------------------------------------------------------------------


@given(st.text(max_size=300))
def test_every_parser_returns_parsed_for_any_text(text: str) -> None:
    for parse in EVERY_OPTIONAL_PARSER:
        result = parse(text)
        assert isinstance(result, Parsed)
        assert result.value is None or result.problem is None
        if result.problem is not None:
            assert "\n" not in result.problem


@given(st.text(max_size=300))
def test_masking_never_raises_and_never_returns_the_whole_value(text: str) -> None:
    for mask in (masking.mask_email, masking.mask_phone, masking.mask_name):
        out = mask(text)
        assert isinstance(out, str)
        if len(n.clean_text(text)) > 8:
            assert out != n.clean_text(text)


@given(st.dates(min_value=date(1996, 11, 23), max_value=date(2012, 11, 22)))
def test_any_plausible_date_of_birth_round_trips_through_uk_format(born: date) -> None:
    assert n.parse_dob(born.strftime("%d/%m/%Y"), TODAY).value == born
    assert n.parse_dob(born.isoformat(), TODAY).value == born
