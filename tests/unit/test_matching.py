from __future__ import annotations

from destsync.domain.matching import Matcher, name_key

ROWS = {
    "OAK-1": {
        "forename": "Zoë",
        "surname": "O'Rourke",
        "dob": "2008-01-02",
        "email": "zoe@example.org",
    },
    "OAK-2": {"forename": "Sami", "surname": "Vance", "dob": "2008-05-06", "email": ""},
    "OAK-3": {"forename": "Sami", "surname": "Vance", "dob": "2008-05-06", "email": ""},
}


def test_names_compare_without_case_accents_spaces_punctuation_or_word_order() -> None:
    assert name_key("ZOE", "orourke") == name_key("Zoë", "O'Rourke")
    assert name_key("zoe", "o rourke") == name_key("Zoë", "O'Rourke")
    assert name_key("Vance", "Sami") == name_key("Sami", "Vance")
    assert name_key("Sami", "Vance") != name_key("Sam", "Vance")



def test_the_reference_wins_over_everything_else() -> None:
    m = Matcher(ROWS).match("oak-2", "zoe@example.org", "Zoë", "O'Rourke", "2008-01-02")
    assert (m.ref, m.how) == ("OAK-2", "reference")


def test_email_then_name_and_date_of_birth() -> None:
    mt = Matcher(ROWS)
    assert mt.match("", "ZOE@example.org", "", "", "").ref == "OAK-1"
    assert mt.match("", "", "zoe", "o rourke", "2008-01-02").how == "name_dob"


def test_twins_in_name_and_birthday_are_never_guessed() -> None:
    m = Matcher(ROWS).match("", "", "Sami", "Vance", "2008-05-06")
    assert m.ref is None and m.near == ("OAK-2", "OAK-3")


def test_a_similar_name_with_the_same_birthday_is_only_a_suggestion() -> None:
    m = Matcher(ROWS).match("", "", "Zoe", "ORourk", "2008-01-02")
    assert m.ref is None and m.near == ("OAK-1",)
    assert Matcher(ROWS).match("", "", "Zoe", "ORourk", "2008-01-03").near == ()
