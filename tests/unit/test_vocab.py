"""Vocabulary tables and the free-text lookups that use them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from destsync.domain import levels, vocab
from destsync.domain.levels import LEVEL_LABELS, LEVELS, parse_level
from destsync.domain.vocab import (
    CANNOT_BE_CONTACTED,
    DESTINATION_LABELS,
    DESTINATION_TYPES,
    NCCIS_LABELS,
    NOT_KNOWN,
    REFUSED,
    parse_destination,
)

FORM_A_OPTIONS = [
    "Employment with training",
    "Apprenticeship",
    "College",
    "Sixth form",
    "Voluntary work",
    "Traineeship",
    "Other (specify)",
]


# --- destination types ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "label", "nccis", "group"),
    [
        ("employment_with_training", "Employment with training", 340, "Sustained employment"),
        ("apprenticeship", "Apprenticeship", 310, "Sustained apprenticeship"),
        ("college", "College", 230, "Sustained education: further education"),
        ("sixth_form", "Sixth form", 210, "Sustained education: further education"),
        ("university", "University", 240, "Sustained education: higher education"),
        ("voluntary_work", "Voluntary work", 540, "Not sustained"),
        ("traineeship", "Traineeship", 450, "Sustained education: other"),
        ("employment", "Employment without training", 330, "Sustained employment"),
        ("gap_year", "Gap year", 260, "Not sustained"),
        ("neet_seeking", "Not in education, employment or training", 619, "Not sustained"),
        ("other", "Other", 810, "Activity not captured"),
    ],
)
def test_each_destination_row_carries_its_code_and_dfe_group(
    key: str, label: str, nccis: int, group: str
) -> None:
    dest = vocab.destination_by_key(key)
    assert dest is not None
    assert (dest.label, dest.nccis, dest.dfe_group) == (label, nccis, group)


def test_every_destination_code_has_an_nccis_label() -> None:
    for dest in DESTINATION_TYPES:
        assert dest.nccis in NCCIS_LABELS


def test_destination_keys_and_labels_are_unique() -> None:
    assert len({d.key for d in DESTINATION_TYPES}) == len(DESTINATION_TYPES)
    assert len(set(DESTINATION_LABELS)) == len(DESTINATION_LABELS)


def test_no_synonym_is_claimed_by_two_destination_types() -> None:
    owners: dict[str, str] = {}
    for dest in DESTINATION_TYPES:
        for name in (dest.key, dest.label, *dest.synonyms):
            norm = vocab.fold(name)
            assert owners.setdefault(norm, dest.key) == dest.key, name


def test_dropdown_labels_start_with_form_a_options_in_form_order() -> None:
    shown = [label for label in DESTINATION_LABELS if label != "University"]
    assert shown[:6] == FORM_A_OPTIONS[:6]
    assert "University" in DESTINATION_LABELS
    assert "Other" in DESTINATION_LABELS


@pytest.mark.parametrize("option", [*FORM_A_OPTIONS, "University"])
def test_every_form_a_option_label_is_recognised(option: str) -> None:
    assert parse_destination(option) is not None


@pytest.mark.parametrize("label", DESTINATION_LABELS)
def test_every_dropdown_label_reads_back_as_its_own_row(label: str) -> None:
    dest = parse_destination(label)
    assert dest is not None and dest.label == label


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("uni", "university"),
        ("UNI", "university"),
        ("higher education", "university"),
        ("HE", "university"),
        ("degree", "university"),
        ("FE", "college"),
        ("further education", "college"),
        ("apprentice", "apprenticeship"),
        ("degree apprenticeship", "apprenticeship"),
        ("Degree-Apprenticeship", "apprenticeship"),
        ("job", "employment"),
        ("working", "employment"),
        ("employed", "employment"),
        ("full time work", "employment"),
        ("Full-time work!", "employment"),
        ("gap yr", "gap_year"),
        ("NEET", "neet_seeking"),
        ("unemployed", "neet_seeking"),
        ("looking for work", "neet_seeking"),
        ("6th form", "sixth_form"),
        ("  sixth   FORM ", "sixth_form"),
        ("Other (specify)", "other"),
        ("Other: working on a farm", "other"),
        ("other - family business", "other"),
        ("volunteering", "voluntary_work"),
    ],
)
def test_free_text_synonyms_map_to_the_expected_destination(text: str, key: str) -> None:
    dest = parse_destination(text)
    assert dest is not None and dest.key == key


@pytest.mark.parametrize(
    ("typo", "key"),
    [
        ("Apprentiseship", "apprenticeship"),
        ("Universty", "university"),
        ("Univeristy", "university"),
        ("Employment with traning", "employment_with_training"),
        ("Volentary work", "voluntary_work"),
    ],
)
def test_near_misses_with_one_or_two_typos_still_match(typo: str, key: str) -> None:
    dest = parse_destination(typo)
    assert dest is not None and dest.key == key


@pytest.mark.parametrize(
    "junk",
    ["", "   ", "?", "x", "ab", "hello", "banana bread", "Universe", "not telling", "🎓", "=1+1"],
)
def test_short_or_unrelated_text_matches_nothing(junk: str) -> None:
    assert parse_destination(junk) is None


@given(st.text(max_size=200))
def test_parse_destination_never_raises(text: str) -> None:
    result = parse_destination(text)
    assert result is None or result in DESTINATION_TYPES


# --- NCCIS codes ----------------------------------------------------------------------


def test_the_three_not_known_codes_are_kept_apart() -> None:
    assert (NOT_KNOWN, CANNOT_BE_CONTACTED, REFUSED) == (810, 820, 830)
    assert len({NCCIS_LABELS[c] for c in (NOT_KNOWN, CANNOT_BE_CONTACTED, REFUSED)}) == 3


def test_nccis_table_covers_every_code_in_the_domain_notes() -> None:
    listed = {210, 220, 230, 240, 250, 260, 310, 320, 330, 340, 350, 360, 380}
    listed |= {410, 430, 450, 460, 540, 550, 610, 615, 616, 619, 810, 820, 830}
    assert listed <= set(NCCIS_LABELS)
    assert {code for code in NCCIS_LABELS if 620 <= code <= 680}, "inactive NEET codes"
    assert all(label.strip() for label in NCCIS_LABELS.values())


# --- RQF levels -----------------------------------------------------------------------


def test_levels_are_ranked_entry_to_doctorate_and_labels_follow_that_order() -> None:
    assert [level.rank for level in LEVELS] == list(range(9))
    assert LEVEL_LABELS == tuple(level.label for level in LEVELS)
    assert LEVEL_LABELS[0] == "Entry level"
    assert LEVEL_LABELS[-1] == "Level 8 (doctorate)"


@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.key)
def test_every_level_label_and_key_reads_back_as_itself(level: levels.Level) -> None:
    assert parse_level(level.label) == level
    assert parse_level(level.key) == level


@pytest.mark.parametrize(
    ("text", "rank"),
    [
        ("A levels", 3),
        ("A-level", 3),
        ("AS", 3),
        ("BTEC level 3", 3),
        ("L3", 3),
        ("level 3", 3),
        ("3", 3),
        ("RQF 3", 3),
        ("advanced apprenticeship", 3),
        ("T level", 3),
        ("3 A levels in Maths, Physics and Art", 3),
        ("GCSE", 2),
        ("GCSEs", 2),
        ("intermediate apprenticeship", 2),
        ("L2", 2),
        ("Level 1", 1),
        ("E1", 0),
        ("E2", 0),
        ("E3", 0),
        ("entry", 0),
        ("Entry level 3", 0),
        ("HNC", 4),
        ("HND", 5),
        ("foundation degree", 5),
        ("degree", 6),
        ("BA", 6),
        ("BSc", 6),
        ("BA (Hons)", 6),
        ("BSc (Hons) Computer Science", 6),
        ("bachelor's", 6),
        ("undergraduate", 6),
        ("degree apprenticeship", 6),
        ("higher apprenticeship L6", 6),
        ("masters", 7),
        ("MSc", 7),
        ("MA", 7),
        ("master's", 7),
        ("PGCE", 7),
        ("PhD", 8),
        ("doctorate", 8),
    ],
)
def test_free_text_levels_normalise_to_rqf(text: str, rank: int) -> None:
    level = parse_level(text)
    assert level is not None and level.rank == rank


@pytest.mark.parametrize(
    "text",
    ["", "  ", "Maths", "as soon as possible", "9", "0", "not sure", "A levels then a degree"],
)
def test_unknown_or_conflicting_levels_are_none(text: str) -> None:
    assert parse_level(text) is None


@given(st.text(max_size=200))
def test_parse_level_never_raises(text: str) -> None:
    result = parse_level(text)
    assert result is None or result in LEVELS
