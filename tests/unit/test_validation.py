"""Explicit validation: a destination counts as validated only with who, how and when,
in the frozen return, the Metrics tab and the digest's list before 31 March."""

from __future__ import annotations

from datetime import date, datetime

from destsync.domain.calendar import DEFAULT_CHECKPOINTS, AcademicCalendar
from destsync.domain.digest import awaiting_validation, build_digest
from destsync.domain.freezing import return_row
from destsync.domain.metrics import METRICS_HEADERS, metrics_rows
from destsync.domain.model import RETURN_HEADERS
from destsync.domain.validation import INCOMPLETE, validation

CAL = AcademicCalendar({})
VALIDATED = next(cp for cp in DEFAULT_CHECKPOINTS if cp.needs_validation)
FULL = {"validated": "Yes", "validated_by": "Provider", "validator": "Admissions office",
        "validated_on": "2027-02-10"}


def leaver(**kw: str) -> dict[str, str]:
    return {"ref": "A1", "leaving_year": "2026", "actual_destination": "College",
            "actual_nccis": "230", **kw}


def test_validated_needs_who_how_and_when() -> None:
    assert validation(leaver(**FULL)).ok
    assert validation(leaver(**FULL)).evidence == "Provider: Admissions office, 2027-02-10"
    for key, bad in (("validator", ""), ("validated_by", "My mate"),
                     ("validated_on", "soon"), ("validated", "No")):
        v = validation(leaver(**{**FULL, key: bad}))
        assert not v.ok, key
    assert validation(leaver(validated="Yes")).evidence == (
        "no Validated by, no Validator (person or role), no Validated on")


def test_the_validated_return_carries_the_evidence_or_says_what_is_missing() -> None:
    col = {h: i for i, h in enumerate(RETURN_HEADERS)}
    ok = return_row(VALIDATED, 2026, leaver(**FULL), date(2027, 4, 1))
    assert ok[col["Validated"]] == "Yes"
    assert ok[col["Note"]] == "Validated by Provider: Admissions office, 2027-02-10"
    half = return_row(VALIDATED, 2026, leaver(validated="Yes", validated_by="Staff"),
                      date(2027, 4, 1))
    assert half[col["Validated"]] == INCOMPLETE
    assert half[col["Note"]] == ("Not validated (no Validator (person or role), "
                                 "no Validated on)")


def test_only_fully_validated_rows_count_in_the_metrics_tab() -> None:
    rows = [leaver(**FULL), leaver(validated="Yes"), leaver()]
    table = metrics_rows("OAK", rows, {}, DEFAULT_CHECKPOINTS, CAL, 14, date(2027, 2, 1))
    [row] = [r for r in table if r[2] == VALIDATED.label]
    assert dict(zip(METRICS_HEADERS, row, strict=True))["Validated"] == "1"


def test_the_digest_lists_unvalidated_leavers_until_31_march() -> None:
    rows = {"A1": leaver(**FULL), "A2": leaver(ref="A2", validated="Yes"),
            "A3": leaver(ref="A3"), "A4": leaver(ref="A4", actual_destination="")}
    assert awaiting_validation(rows, CAL, DEFAULT_CHECKPOINTS, date(2027, 2, 1)) == [
        "A2", "A3"]  # A4 has no destination to validate yet: it is on another list
    assert awaiting_validation(rows, CAL, DEFAULT_CHECKPOINTS, date(2027, 4, 1)) == []
    assert awaiting_validation(rows, CAL, DEFAULT_CHECKPOINTS, date(2026, 8, 1)) == []
    digest = build_digest(rows, {}, CAL, DEFAULT_CHECKPOINTS, datetime(2027, 2, 1, 9), 0, 0,
                          0, [])
    assert digest["unvalidated"] == ["A2", "A3"]
    assert digest["next_deadline"]["missing"] == 3  # all but the fully validated one
