"""A synthetic school: invented leavers, their Form A answers (messy and malicious ones
included), a config, and a lifecycle of syncs over simulated dates.

Every name is an invented combination and every address is at example.org. The same
generator makes the bundled sample under ``config/sample``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from destsync.config.settings import DEFAULT_QUESTIONS, DEFAULT_ROSTER_COLUMNS
from destsync.entrypoints.demo_journey import (
    CHECKIN,
    add_demo_students,
    forms_timestamp,
    use_checkin,
)

FORENAMES = (
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Hamza",
    "Isla",
    "Jay",
    "Kai",
    "Lena",
    "Max",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tia",
    "Uma",
    "Vik",
    "Wren",
    "Yusuf",
    "Zoë",
    "Siobhán",
    "Łukasz",
    "Aarav",
    "Chiara",
    "Mei",
    "Tomás",
    "Ada",
)
SURNAMES = (
    "Ashdown",
    "Brookfield",
    "Carrow",
    "Dunmore",
    "Ellery",
    "Fenwick",
    "Garside",
    "Holloway",
    "Ingram",
    "Jessop",
    "Kirkby",
    "Lomax",
    "Marsden",
    "Northcott",
    "O'Rourke",
    "Pemberton",
    "Quayle",
    "Redfern",
    "Stanway",
    "Thorne",
    "Underhill",
    "Vance",
    "Whitlock",
    "Yardley",
    "Nguyen-Hart",
    "Okafor",
    "Kowalczyk",
    "Da Costa",
    "MacAulay",
    "Ó Briain",
)
DESTINATIONS = (
    ("University", "BSc Computer Science", "Degree", "University of Example"),
    ("University", "BA History", "level 6", "Northtown University"),
    ("Apprenticeship", "Electrical installation", "L3", "Sparks Example Ltd"),
    ("Apprenticeship", "Software developer apprentice", "degree apprenticeship", "Example Tech"),
    ("College", "BTEC Sport", "Level 3", "Riverside College"),
    ("Employment with training", "Trainee accountant", "AAT level 2", "Ledger & Co"),
    ("Sixth form", "A levels", "A levels", "Hilltop Sixth Form"),
    ("Traineeship", "Retail traineeship", "Level 1", "Example Retail Group"),
    ("Voluntary work", "Youth support volunteer", "", "Example Community Trust"),
    ("Other (specify)", "Gap year travelling", "", ""),
)
MESSY_DESTINATIONS = ("uni", "Apprentiseship", "working", "HE", "gap yr", "6th form")
HOSTILE = (
    '=HYPERLINK("http://evil.example.org","click")',
    "+1-2",
    "@SUM(A1:A9)",
    "-2+3",
    "Line one\r\nBcc: victim@example.org",
    "bell\x07 and null\x00 inside",
    "🎓🚀 off to uni",
    "x" * 10_000,
)


@dataclass
class Student:
    adm: str
    forename: str
    surname: str
    dob: date
    leaving_year: int
    parent_email: str
    opt_out: bool


def make_students(rng: random.Random, leaving_years: list[int], per_cohort: int) -> list[Student]:
    out: list[Student] = []
    n = 1000
    for year in leaving_years:
        for _ in range(per_cohort):
            n += 1
            fore, sur = rng.choice(FORENAMES), rng.choice(SURNAMES)
            dob = date(year - 18, 9, 1) + timedelta(days=rng.randrange(365))
            slug = f"{fore}.{sur}".lower().replace(" ", "").replace("'", "")
            slug = slug.encode("ascii", "ignore").decode() or "parent"
            out.append(
                Student(
                    str(n),
                    fore,
                    sur,
                    dob,
                    year,
                    f"{slug}.{n}.parent@example.org",
                    rng.random() < 0.04,
                )
            )
    return out


def _answer_row(rng: random.Random, s: Student, when: datetime, messy: bool) -> dict[str, str]:
    dest, course, level, provider = rng.choice(DESTINATIONS)
    name = f"{s.forename} {s.surname}"
    dob = s.dob.strftime("%d/%m/%Y")
    email = f"{s.forename}.{s.surname}.{s.adm}".lower().replace(" ", "").replace("'", "")
    email = email.encode("ascii", "ignore").decode() + "@example.org"
    phone = f"07700 900{int(s.adm) % 1000:03d}"
    ref = f"OAK-{s.adm}" if rng.random() < 0.5 else ""
    if messy:
        roll = rng.random()
        if roll < 0.2:
            name = name.upper()
        elif roll < 0.35:
            dob = s.dob.isoformat()
        elif roll < 0.5:
            dest = rng.choice(MESSY_DESTINATIONS)
        elif roll < 0.6:
            phone = "not telling"
        elif roll < 0.7:
            email = email.replace("@", " at ")
        elif roll < 0.8:
            course = rng.choice(HOSTILE)
        elif roll < 0.9:
            dob = "31/02/" + str(s.dob.year)
        else:
            provider = rng.choice(HOSTILE)
    consent = "Yes" if rng.random() < 0.9 else "No"
    return {
        "reference": ref,
        "name": name,
        "dob": dob,
        "leaving_year": str(s.leaving_year),
        "email": email,
        "phone": phone,
        "destination": dest,
        "course": course,
        "level": level,
        "provider": provider,
        "start_date": f"{rng.choice(['01/09', '15/09', '01/10'])}/{when.year}",
        "duration": rng.choice(["3 years", "1 year", "18 months", "2 yrs", "ongoing", ""]),
        "consent": consent,
    }


def make_responses(
    rng: random.Random, students: list[Student], until: date
) -> list[tuple[datetime, dict[str, str]]]:
    rows: list[tuple[datetime, dict[str, str]]] = []
    for s in students:
        L = s.leaving_year
        # Summer-term Form A (intended), an autumn update (actual), then yearly checks.
        moments = [date(L, 5, 10), date(L, 10, 20), date(L + 1, 6, 15), date(L + 2, 6, 15)]
        for i, m in enumerate(moments):
            if m > until or rng.random() > (0.85 if i == 0 else 0.55):
                continue
            when = datetime(m.year, m.month, m.day, 9, 0) + timedelta(
                days=rng.randrange(20), minutes=rng.randrange(600)
            )
            if when.date() > until:
                continue
            rows.append((when, _answer_row(rng, s, when, rng.random() < 0.25)))
            if rng.random() < 0.03:  # a double-click: the same answers twice
                rows.append(rows[-1])
    # Strangers: not on the roster, one a near-miss on a real student's name.
    s0 = students[0]
    near = Student("9998", s0.forename, s0.surname[:-1] + "e", s0.dob, s0.leaving_year, "", False)
    stranger = Student(
        "9999", "Robin", "Newcombe", date(until.year - 18, 3, 3), until.year, "", False
    )
    for s in (near, stranger):
        when = datetime(until.year, 5, 20, 12, 0)
        if when.date() <= until:
            row = _answer_row(rng, s, when, False)
            row["reference"] = ""
            rows.append((when, row))
    rows.append((datetime(until.year, 1, 5, 8, 0), {k: "" for k in DEFAULT_QUESTIONS}))
    rows.sort(key=lambda r: r[0])
    return rows


def write_responses(path: Path, rows: list[tuple[datetime, dict[str, str]]]) -> None:
    keys = list(DEFAULT_QUESTIONS)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Timestamp", *[DEFAULT_QUESTIONS[k] for k in keys]])
        for when, answers in rows:
            if not any(answers.values()):
                w.writerow([""] * (len(keys) + 1))
                continue
            w.writerow([forms_timestamp(when), *[answers[k] for k in keys]])


def write_roster(path: Path, students: list[Student]) -> None:
    c = DEFAULT_ROSTER_COLUMNS
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                c[k]
                for k in (
                    "ref",
                    "forename",
                    "surname",
                    "dob",
                    "leaving_year",
                    "parent_email",
                    "s72_opt_out",
                    "year_group",
                )
            ]
        )
        for s in students:
            w.writerow(
                [
                    s.adm,
                    s.forename,
                    s.surname,
                    s.dob.strftime("%d/%m/%Y"),
                    s.leaving_year,
                    s.parent_email,
                    "Yes" if s.opt_out else "",
                    13,
                ]
            )


CONFIG_TEMPLATE = """\
# destsync config for an invented school. Paths are relative to this file.
[trust]
name = "Example Learning Trust"
timezone = "Europe/London"

[form_a]
responder_url = "https://docs.google.com/forms/d/e/EXAMPLE_FORM_ID/viewform"

[[academies]]
code = "OAK"
name = "Oakfield Academy (example)"
careers_email = "careers@oakfield.example.org"
responses = {{ backend = "csv", path = "{responses}" }}
roster = {{ path = "{roster}" }}
tracker = {{ backend = "xlsx", path = "{tracker}" }}
"""


def write_school(folder: Path, seed: int, per_cohort: int, until: date) -> Path:
    """Write roster, responses and config for three cohorts; return the config path."""
    rng = random.Random(seed)  # noqa: S311 - invented data, not secrets
    folder.mkdir(parents=True, exist_ok=True)
    ay = until.year if until.month >= 9 else until.year - 1
    students = make_students(rng, [ay - 1, ay, ay + 1], per_cohort)
    write_roster(folder / "roster.csv", students)
    write_responses(folder / "form-a-responses.csv", make_responses(rng, students, until))
    cfg = folder / "destsync.toml"
    cfg.write_text(
        CONFIG_TEMPLATE.format(
            responses="form-a-responses.csv", roster="roster.csv", tracker="tracker.xlsx"
        ),
        encoding="utf-8",
    )
    return cfg


def run_demo(out: Path, seed: int, per_cohort: int, sync: Callable[[Path, str], object]) -> None:
    """Replay a year: the export as it stood on each date, then ``sync(config, date)``.

    The caller passes the sync in, so the demo does not import the commands that run it.
    """
    today = date.today()
    cfg = write_school(out, seed, per_cohort, today)
    add_demo_students(out, today)  # current Year 11 to 13, with intentions and applications
    use_checkin(cfg)
    # Parsed, not split into lines: a hostile answer may hold a line break inside quotes.
    full = {e: e.read_text(encoding="utf-8") for e in (out / "form-a-responses.csv", out / CHECKIN)}
    exports = {e: list(csv.reader(text.splitlines(keepends=True))) for e, text in full.items()}
    dates = [today - timedelta(days=d) for d in (300, 200, 120, 60, 30, 0)]
    for d in dates:
        cutoff = d.strftime("%Y/%m/%d")
        for export, (header, *rows) in exports.items():
            kept = [r for r in rows if not r or r[0][:10] <= cutoff]  # blank rows stay blank
            with export.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows([header, *kept])
            if export.name != CHECKIN:
                print(f"--- {d.isoformat()}: {len(kept)} rows in the Form A export")
        sync(cfg, d.isoformat())
    for export, text in full.items():
        export.write_text(text, encoding="utf-8")
    print(f"Open {out / 'tracker.xlsx'} to see the tracker, the Review tab and the returns.")
