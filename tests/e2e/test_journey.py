"""Issue 16's acceptance on the demo school: five scripted students followed with
`destsync sync --now` from September of Year 12 to three years after Year 13, through the
real CLI, workbook and outbox. At each point of the framework's plan the weekly digest
names the students who need help, with the framework's action, and no one else.

Intentions arrive as Form A answers and applications as termly check-in answers (the
demo's two exports, each cut to the date): no one types into the workbook.
"""

from __future__ import annotations

import csv
import email
import re
from datetime import date
from email import policy
from pathlib import Path

import openpyxl
import pytest

from destsync.domain.applications_tab import APPLICATIONS
from destsync.entrypoints.demo import write_school
from destsync.entrypoints.demo_journey import CHECKIN, add_current_students, use_checkin
from tests.e2e.conftest import School
from tests.e2e.test_cli_sync import tracker_rows

L = 2027  # the scripted cohort leaves Year 13 in the summer of 2027
AMARA, BEN, CHLOE, DEV, ELLA = (f"OAK-{2000 + n}" for n in range(1, 6))
Sections = dict[str, dict[str, set[str]]]


class Journey(School):
    def __init__(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder, self._capsys = folder, capsys
        # Three earlier cohorts as the demo makes them, answers up to September 2025.
        self.config = write_school(folder, seed=7, per_cohort=3, until=date(2025, 9, 1))
        self.refs = add_current_students(folder, L, 2000, date(L + 4, 1, 1))
        self.tracker = folder / "tracker.xlsx"
        use_checkin(self.config)
        self.exports = {e: e.read_text(encoding="utf-8")
                        for e in (folder / "form-a-responses.csv", folder / CHECKIN)}
        self.seen: set[str] = set()

    def step(self, now: str) -> Sections:
        """Both exports as they stood on ``now``, a sync; the support sections of the
        digest that run sent (empty: none sent)."""
        day = date.fromisoformat(now[:10]).strftime("%Y/%m/%d")
        for export, text in self.exports.items():
            header, *rows = list(csv.reader(text.splitlines(keepends=True)))
            kept = [r for r in rows if not r or r[0][:10] <= day]
            with export.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows([header, *kept])
        self.sync(now)
        return self.digest()

    def digest(self) -> Sections:
        out: Sections = {}
        for p in sorted((self.folder / "outbox").glob("*.eml")):
            msg = email.message_from_bytes(p.read_bytes(), policy=policy.default)
            key = str(msg["X-Destsync-Key"])
            if key in self.seen or not key.startswith("staff_digest/"):
                continue
            self.seen.add(key)
            out = sections(msg.get_body(("plain",)).get_content())  # type: ignore[union-attr]
            assert "@example.org" not in out.__repr__()
        return out


def statuses(tracker: Path) -> dict[str, str]:
    """Each scripted student's application status in the Applications tab, as staff see it."""
    rows = openpyxl.load_workbook(tracker)[APPLICATIONS].iter_rows(min_row=2, values_only=True)
    return {str(r[0]): str(r[4]) for r in rows if r[0] in (AMARA, BEN, CHLOE, DEV, ELLA)}


def sections(text: str) -> Sections:
    """Year group -> section label -> refs, from the digest's plain text."""
    body = text.split("by year group:", 1)[1].split("Review tab:", 1)[0]
    out: Sections = {}
    group = ""
    for line in body.splitlines():
        item = re.match(r"- (.+) \((\d+)\): (.*)", line)
        if item:
            refs = set(item.group(3).split(", "))
            assert len(refs) == int(item.group(2))
            out[group][item.group(1)] = refs
        elif line.strip() and not line.startswith("  Action:") and line != "none":
            group = line.strip()
            out[group] = {}
    return out


def journey(sec: Sections, group: str) -> dict[str, set[str]]:
    """One year group's sections, keeping only the scripted students."""
    return {k: v & {AMARA, BEN, CHLOE, DEV, ELLA} for k, v in sec.get(group, {}).items()
            if v & {AMARA, BEN, CHLOE, DEV, ELLA}}


NO_INTENTION = "No intended destination by the autumn half term"
NO_APPLICATION = "No application by the spring deadline"
NO_OFFER = "No offer by the summer"
NEET = "At risk of NEET"
CHANGED = "Results day: plan changed"
UNCONFIRMED = "Results day: firm offer not confirmed"


@pytest.mark.slow
def test_a_student_followed_from_year_12_to_three_years_after_year_13(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    j = Journey(tmp_path, capsys)
    named_amara = []

    def at(now: str) -> Sections:
        sec = j.step(now)
        # (What applications decide is the next test's: this tracker may not read them.)
        named_amara.extend((now, label) for g in sec.values() for label, refs in g.items()
                           if AMARA in refs and label not in (NO_APPLICATION, NO_OFFER))
        return sec

    # September of Year 12: no one is asked for an intention before the half term.
    sep12 = at("2025-09-15")
    assert "Year 12" not in sep12
    # After the half term: Ben has said nothing; Ella is looking for work.
    nov12 = at("2025-11-03")
    assert set(nov12["Year 12"]) == {NO_INTENTION, NEET}  # every Year 12 is scripted
    assert nov12["Year 12"][NO_INTENTION] == {BEN} and nov12["Year 12"][NEET] == {ELLA}
    rows = tracker_rows(j.tracker)
    assert rows[AMARA]["Intended destination"] == "University"
    assert rows[AMARA]["Intended provider / employer"] == "Northtown University"
    # Spring of Year 12: Ben has decided.
    assert at("2026-03-02")["Year 12"] == {NEET: {ELLA}}
    assert tracker_rows(j.tracker)[BEN]["Intended destination"] == "Apprenticeship"
    # Year 13's autumn: still only Ella.
    assert journey(at("2026-09-14"), "Year 13") == {NEET: {ELLA}}
    for now in ("2027-02-01", "2027-03-01", "2027-06-07", "2027-08-16"):
        at(now)
    # Results day, in the afternoon: Dev's place fell through and he said so; the
    # digest names him that day (its own cycle, not next week's).
    rd = at("2027-08-19T16:00")
    assert f"staff_digest/{date(L, 8, 19).isoformat()}/OAK/1" in j.seen
    assert CHANGED in rd["Year 13"] and rd["Year 13"][CHANGED] == {DEV}
    assert tracker_rows(j.tracker)[DEV]["Intended destination"] == "Apprenticeship"
    # The autumn after Year 13: results-day support is over; Ella is still at risk.
    oct13 = at("2027-10-04")
    assert journey(oct13, "Year 13 leavers") == {NEET: {ELLA}}
    assert "Year 13" not in oct13
    # The intended return, frozen at the autumn deadline, is what students said.
    returns = [r for r in openpyxl.load_workbook(j.tracker)["Returns"].iter_rows(
        min_row=2, values_only=True) if r[3] in (AMARA, DEV)]
    intended = {r[3]: r[6] for r in returns if "ntended" in str(r[0])}
    assert intended == {AMARA: "University", DEV: "Apprenticeship"}
    # Three annual checks after leaving.
    for now in ("2028-06-19", "2029-06-18", "2030-06-17"):
        at(now)
    amara = tracker_rows(j.tracker)[AMARA]
    assert amara["Actual destination"] == "University"
    assert amara["Year 1 destination"] == amara["Year 2 destination"] == "University"
    assert amara["Year 3 destination"] == "Employment with training"
    # Amara, decided throughout, was never named for her intentions or on results day.
    assert named_amara == []


@pytest.mark.slow
def test_applications_drive_the_spring_summer_and_results_day_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    j = Journey(tmp_path, capsys)
    j.step("2026-09-14")
    assert journey(j.step("2027-02-01"), "Year 13")[NO_APPLICATION] == {BEN, CHLOE, ELLA}
    assert statuses(j.tracker) == {AMARA: "Applied", DEV: "Applied"}
    assert journey(j.step("2027-03-01"), "Year 13")[NO_APPLICATION] == {CHLOE, ELLA}
    assert statuses(j.tracker) == {AMARA: "Offer", BEN: "Applied", DEV: "Applied"}
    june = journey(j.step("2027-06-07"), "Year 13")
    assert june[NO_OFFER] == {CHLOE, ELLA} and NO_APPLICATION not in june
    assert statuses(j.tracker) == {AMARA: "Firm", BEN: "Firm", DEV: "Firm"}
    rd = journey(j.step("2027-08-19T16:00"), "Year 13")
    assert rd[UNCONFIRMED] == {DEV} and rd[CHANGED] == {DEV}
    assert NO_OFFER not in rd
    assert statuses(j.tracker) == {AMARA: "Confirmed", BEN: "Confirmed", DEV: "Firm"}
