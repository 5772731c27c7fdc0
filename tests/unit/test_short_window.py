"""A window too short for the attempts left: the checkpoint is not made "not known"
without them, and the digest says which leavers' attempts do not fit."""

from __future__ import annotations

from datetime import UTC, date, datetime

from destsync.domain.digest import build_digest
from tests.unit.test_campaigns import CAL, SURVEY, alumnus, keys, plan, sent

FIRST = "annual_survey/2027/OAK-1001/1"


def test_a_late_first_attempt_is_flagged_and_the_checkpoint_stays_blank() -> None:
    rows = {"OAK-1001": alumnus("OAK-1001")}
    # On time (1 May): days 0, 14 and 35 all fit before 20 July.
    assert plan(rows, date(2027, 5, 1)).short == []
    # First run on 1 July: attempt 1 goes, but 2 and 3 (14 and 21 days later) do not fit.
    late = plan(rows, date(2027, 7, 1))
    assert keys(late) == [FIRST] and late.short == ["annual_survey OAK-1001 (3 left)"]
    ledger = {FIRST: sent(FIRST, date(2027, 7, 1))}
    second = plan(rows, date(2027, 7, 15), ledger)
    assert keys(second) == ["annual_survey/2027/OAK-1001/2"]
    assert second.short == ["annual_survey OAK-1001 (2 left)"]
    # After the window and its grace: still flagged while the grace runs, then silent;
    # never a not-known code without every attempt.
    assert plan(rows, date(2027, 8, 1), ledger).short == ["annual_survey OAK-1001 (2 left)"]
    after = plan(rows, date(2027, 9, 1), ledger)
    assert after.short == [] and after.outcomes == [] and after.due == []


def test_the_digest_lists_them() -> None:
    rows = {"OAK-1001": alumnus("OAK-1001")}
    late = plan(rows, date(2027, 7, 1), campaigns=(SURVEY,))
    digest = build_digest(rows, {}, CAL, (), datetime(2027, 7, 1, 9, tzinfo=UTC), 0, 0, 1, [],
                          late.short)
    assert digest["short"] == ["annual_survey OAK-1001 (3 left)"]
