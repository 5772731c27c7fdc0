"""Current students for the demo school: a scripted Year 12 to Year 13 journey (and two
Year 11 students) with their intentions, applications and offers, so that stepping the
demo with ``--now`` shows each point of the framework's plan.

Every date is relative to the leaving year L, so one script serves any cohort: (-2, 10, 8)
is 8 October of Year 12. Intentions go into the demo's Form A export; applications into a
termly check-in export (``checkin-responses.csv``), one check-in each time a status
changes, saying the intended route and every application so far, so the sync fills the
Applications tab from what students said.
Everyone is invented; addresses are at example.org.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from destsync.config.settings import DEFAULT_QUESTIONS, DEFAULT_ROSTER_COLUMNS
from destsync.domain.checkin import default_questions
from destsync.domain.model import LEAVING_POINTS

CHECKIN_QUESTIONS = default_questions()  # the check-in form `destsync setup` makes
When = tuple[int, int, int]  # (years relative to L, month, day)
Plan = tuple[When, str, str, str, str]  # when, destination, course, level, provider
App = tuple[When, str, str, str, str]  # when, provider, course, level, status


@dataclass(frozen=True)
class Scripted:
    n: int  # added to the admission number the caller starts from
    forename: str
    surname: str
    plans: tuple[Plan, ...] = ()
    apps: tuple[App, ...] = ()
    point: str = "year13"


UNI = ("University", "BA History", "level 6", "Northtown University")
RESULTS = (0, 8, 19)  # results day 2027 is 19 August (calendar.results_day); near enough
JOURNEY: tuple[Scripted, ...] = (
    # Decided early, applies on time, firm offer confirmed on results day; then three
    # years of annual checks.
    Scripted(1, "Amara", "Ellery", (
        ((-2, 10, 8), *UNI), ((0, 10, 2), *UNI), ((1, 6, 10), *UNI), ((2, 6, 9), *UNI),
        ((3, 6, 8), "Employment with training", "Graduate trainee", "", "Ledger & Co"),
    ), (
        ((-1, 11, 10), "Northtown University", "BA History", "6", "Applied"),
        ((0, 3, 1), "Northtown University", "BA History", "6", "Offer"),
        ((0, 5, 12), "Northtown University", "BA History", "6", "Firm"),
        (RESULTS, "Northtown University", "BA History", "6", "Confirmed"),
    )),
    # Undecided at the autumn half term of Year 12; applies late, after the spring check.
    Scripted(2, "Ben", "Fenwick", (
        ((-1, 2, 3), "Apprenticeship", "Electrical installation", "L3", "Sparks Example Ltd"),
    ), (
        ((0, 2, 10), "Sparks Example Ltd", "Electrical installation", "3", "Applied"),
        ((0, 4, 20), "Sparks Example Ltd", "Electrical installation", "3", "Firm"),
        (RESULTS, "Sparks Example Ltd", "Electrical installation", "3", "Confirmed"),
    )),
    # Knows what she wants but never applies: the spring and summer checks name her.
    Scripted(3, "Chloe", "Garside", (
        ((-2, 10, 15), "College", "BTEC Sport", "Level 3", "Riverside College"),
    )),
    # Results day: the university place falls through; an apprenticeship instead.
    Scripted(4, "Dev", "Holloway", (
        ((-2, 10, 9), *UNI),
        (RESULTS, "Apprenticeship", "Software developer apprentice", "degree apprenticeship",
         "Example Tech"),
    ), (
        ((-1, 11, 20), "Northtown University", "BA History", "6", "Applied"),
        ((0, 3, 3), "Northtown University", "BA History", "6", "Offer"),
        ((0, 5, 5), "Northtown University", "BA History", "6", "Firm"),
    )),
    # Looking for work from the start: at risk of NEET throughout.
    Scripted(5, "Ella", "Ingram", (
        ((-2, 10, 20), "Seeking work", "", "", ""),
    )),
)
YEAR11: tuple[Scripted, ...] = (
    Scripted(51, "Finn", "Jessop", (
        ((-1, 10, 14), "Sixth form", "A levels", "A levels", "Hilltop Sixth Form"),
    ), (
        ((0, 1, 20), "Hilltop Sixth Form", "A levels", "3", "Applied"),
        ((0, 3, 15), "Hilltop Sixth Form", "A levels", "3", "Offer"),
    ), "year11"),
    Scripted(52, "Grace", "Kirkby", (
        ((-1, 10, 21), "College", "BTEC Sport", "Level 3", "Riverside College"),
    ), (), "year11"),
)


def forms_timestamp(d: datetime) -> str:
    """The way Forms writes Timestamp in its CSV export."""
    hour = d.hour % 12 or 12
    ampm = "AM" if d.hour < 12 else "PM"
    return f"{d:%Y/%m/%d} {hour}:{d:%M:%S} {ampm} GMT"


def on(leaving_year: int, when: When) -> date:
    return date(leaving_year + when[0], when[1], when[2])


def add_current_students(folder: Path, leaving_year: int, first_adm: int, until: date,
                         students: tuple[Scripted, ...] = JOURNEY,
                         forenames: tuple[str, ...] = ()) -> list[str]:
    """Append scripted students to the demo's roster, Form A export and check-in export
    (answers up to ``until``); return their Refs.
    ``forenames`` renames them in order, so a second cohort on one script is told apart."""
    roster, export = folder / "roster.csv", folder / "form-a-responses.csv"
    c = DEFAULT_ROSTER_COLUMNS  # the leaving point's values are LEAVING_POINTS' labels
    with roster.open(encoding="utf-8", newline="") as fh:
        header, *kept = list(csv.reader(fh))
    if c["leaving_point"] not in header and any(s.point != "year13" for s in students):
        header.append(c["leaving_point"])  # the roster says who leaves from Year 11
        with roster.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *[[*r, ""] for r in kept]])
    labels = dict(LEAVING_POINTS)
    refs: list[str] = []
    checkins: list[list[str]] = []
    with roster.open("a", encoding="utf-8", newline="") as rfh, \
            export.open("a", encoding="utf-8", newline="") as efh:
        rw, ew = csv.writer(rfh), csv.writer(efh)
        for i, s in enumerate(students):
            adm = first_adm + s.n
            fore = forenames[i] if i < len(forenames) else s.forename
            refs.append(f"OAK-{adm}")
            dob = date(leaving_year - (16 if s.point == "year11" else 18), 1 + s.n % 12,
                       10).strftime("%d/%m/%Y")
            cells = {c["ref"]: str(adm), c["forename"]: fore, c["surname"]: s.surname,
                     c["dob"]: dob, c["leaving_year"]: str(leaving_year),
                     c["parent_email"]: f"parent.{adm}@example.org",
                     c["leaving_point"]: labels[s.point]}
            rw.writerow([cells.get(h, "") for h in header])
            checkins.extend(checkin_row(s, f"OAK-{adm}", f"{fore} {s.surname}",
                                        dob, leaving_year, d)
                            for d in sorted({on(leaving_year, a[0]) for a in s.apps})
                            if d <= until)
            for when, dest, course, level, provider in s.plans:
                d = on(leaving_year, when)
                if d > until:
                    continue
                answers = {"reference": f"OAK-{adm}", "name": f"{fore} {s.surname}",
                           "dob": dob, "leaving_year": str(leaving_year),
                           "email": f"{fore}.{adm}@example.org".lower(),
                           "phone": "", "destination": dest,
                           "course": course, "level": level, "provider": provider,
                           "start_date": f"01/09/{leaving_year}", "duration": "",
                           "consent": "Yes"}
                ew.writerow([forms_timestamp(datetime(d.year, d.month, d.day, 10)),
                             *[answers[k] for k in DEFAULT_QUESTIONS]])
    write_checkins(folder / CHECKIN, checkins)
    return refs


CHECKIN = "checkin-responses.csv"  # the demo's check-in export, beside Form A's


def checkin_row(s: Scripted, ref: str, name: str, dob: str, leaving_year: int,
                d: date) -> list[str]:
    """What ``s`` would answer in the check-in on ``d``: the latest intended route, and
    each application so far with its latest status (one slot each, in order applied)."""
    route = next((p[1] for p in reversed(s.plans) if on(leaving_year, p[0]) <= d), "")
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    for when, provider, course, level, status in s.apps:
        if on(leaving_year, when) <= d:
            latest[(provider, course)] = (level, status)
    answers = {"reference": ref, "name": name, "dob": dob, "intended": route}
    for i, ((provider, course), (level, status)) in enumerate(latest.items(), 1):
        answers.update({f"app{i}_provider": provider, f"app{i}_course": course,
                        f"app{i}_level": level, f"app{i}_status": status})
    # 11:00, an hour after a Form A answer the same day: the later one speaks.
    return [forms_timestamp(datetime(d.year, d.month, d.day, 11)),
            *(answers.get(k, "") for k in CHECKIN_QUESTIONS)]


def write_checkins(path: Path, rows: list[list[str]]) -> None:
    """Append check-in answers to the export, which is kept in submitted order (so a cut
    to a date is a prefix, as a real export grows)."""
    rows_before = [["Timestamp", *CHECKIN_QUESTIONS.values()]]
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            rows_before = list(csv.reader(fh))
    header, *old = rows_before
    everything = sorted([*old, *rows], key=lambda r: datetime.strptime(
        r[0].rsplit(" ", 1)[0], "%Y/%m/%d %I:%M:%S %p"))
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *everything])


def use_checkin(config: Path) -> None:
    """Point the demo config's (last) academy at the check-in export."""
    text = config.read_text(encoding="utf-8")
    if "checkin = " not in text:
        config.write_text(text + f'checkin = {{ backend = "csv", path = "{CHECKIN}" }}\n',
                          encoding="utf-8")


def add_demo_students(folder: Path, today: date) -> list[str]:
    """The demo school's current students on ``today``: the journey as this year's
    Year 13 and as Year 12, and the two Year 11s; their answers and applications so far."""
    ay = today.year if today.month >= 9 else today.year - 1
    return [*add_current_students(folder, ay + 1, 2000, today),
            *add_current_students(folder, ay + 2, 2100, today,
                                  forenames=("Priya", "Omar", "Nia", "Kai", "Rosa")),
            *add_current_students(folder, ay + 1, 2200, today, YEAR11)]
