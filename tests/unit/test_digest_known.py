"""The digest lists, as lacking a known destination, whatever the report does not count
as known: blanks, 810, 820, 830 and activities the vocabulary does not capture."""

from __future__ import annotations

from datetime import UTC, datetime

from destsync.domain.calendar import DEFAULT_CHECKPOINTS, AcademicCalendar
from destsync.domain.digest import build_digest, known_destination


def leaver(**kw: str) -> dict[str, str]:
    return {"leaving_year": "2025", **kw}


def test_not_known_codes_and_uncaptured_activities_are_not_known() -> None:
    assert known_destination(leaver(year1_destination="College", year1_nccis="230"), "year1")
    for label, code in (("", ""), ("Situation not known", "810"),
                        ("Cannot be contacted", "820"), ("Refused to disclose activity", "830"),
                        ("Gone travelling", ""), ("Other: helping at home", "810")):
        row = leaver(year1_destination=label, year1_nccis=code)
        assert not known_destination(row, "year1"), label


def test_the_digest_lists_them_under_no_known_destination() -> None:
    rows = {
        "OAK-1": leaver(year1_destination="College", year1_nccis="230"),
        "OAK-2": leaver(year1_destination="Cannot be contacted", year1_nccis="820"),
        "OAK-3": leaver(year1_destination="Gone travelling"),
        # The actual destination is known: the latest known one still counts.
        "OAK-4": leaver(actual_destination="University", actual_nccis="240",
                        year1_destination="Situation not known", year1_nccis="810"),
    }
    d = build_digest(rows, {}, AcademicCalendar({}), DEFAULT_CHECKPOINTS,
                     datetime(2026, 6, 1, 9, tzinfo=UTC), 0, 0, 0, [])
    assert d["no_destination"] == ["OAK-2", "OAK-3"]
