"""Who needs help before and just after leaving, and what the framework says to do: pure.

The framework's Year 12/13 plan (../shared/seeds/000) collects intended destinations in the
autumn, application data in the spring and confirmed places in the summer, "with
interventions" for students who do not know their intentions, have made no applications
or have secured no offers; the policy (seeds/004) asks schools to support students on
results day and the September Guarantee owes every Year 11 and Year 12 student an offer by
the end of September. Each rule below is one of those, over tracker rows (ref -> column
key -> value), ``TrackerSnapshot.applications`` and the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from destsync.domain import vocab
from destsync.domain.calendar import AcademicCalendar, results_day
from destsync.domain.leaving import MIDYEAR, YEAR11, point_of
from destsync.domain.report import is_known, type_group

Rows = Mapping[str, Mapping[str, str]]
Apps = Mapping[str, Mapping[str, str]]

# The September Guarantee offer for a Year 11 (or Year 12) leaver: the tracker column
# helper 16a adds (any text but "No" there is an offer recorded), read by this key.
GUARANTEE_KEY = "sg_offer"  # the "September Guarantee offer" column (domain/leaving.py)
LIVE = frozenset({"Applied", "Offer", "Firm", "Insurance", "Confirmed", "Rejected"})
OFFERS = frozenset({"Offer", "Firm", "Insurance", "Confirmed"})
NEET_CODES = frozenset(c for c, label in vocab.NCCIS_LABELS.items() if label.startswith("NEET"))

# The framework's own words for each intervention (seeds/000's Year 12/13 plan and its
# "intervention strategies" paragraph; seeds/004 for results day).
ACTIONS: dict[str, tuple[str, str]] = {
    "no_intention": ("No intended destination by the autumn half term",
                     "1:1 careers interview with the Careers Adviser or Destinations Manager"),
    "no_application": ("No application by the spring deadline",
                       "Careers Adviser guidance session; lunchtime drop-in"),
    "no_offer": ("No offer by the summer", "Careers Adviser intervention to secure an offer"),
    "no_guarantee": ("No September Guarantee offer by the end of September",
                     "Careers Adviser support and evidence of the September Guarantee"),
    "neet_risk": ("At risk of NEET",
                  "Mentoring, group workshop and an additional 1:1 careers interview"),
    "firm_unconfirmed": ("Results day: firm offer not confirmed",
                         "Results-day support: call today, then keep in contact for 6 weeks"),
    "plan_changed": ("Results day: plan changed",
                     "Results-day support: careers interview about the new plan"),
}
RESULTS_KINDS = ("firm_unconfirmed", "plan_changed")


@dataclass(frozen=True)
class SupportDates:
    """The trust's dates ("MM-DD"; September to December fall in the autumn the
    academic year starts, January to August in the year after)."""

    intention_by: str = "10-31"  # the end of the autumn half term
    # The spring check of applications: just after UCAS's January equal-consideration
    # deadline (29 January 2025 for 2025 entry, 14 January 2026 for 2026 entry, ucas.com).
    application_by: str = "01-31"
    # Universities' decisions are due by mid-May (UCAS); the summer check follows.
    offer_by: str = "05-31"
    guarantee_by: str = "09-30"  # the September Guarantee (DOMAIN.md)

    def on(self, key: str, academic_year: int) -> date:
        month, day = (int(p) for p in getattr(self, key).split("-"))
        return date(academic_year if month >= 9 else academic_year + 1, month, day)


@dataclass(frozen=True)
class Flag:
    ref: str
    group: str  # "Year 12", "Year 13", "Year 11", "Year 11 leavers", "Year 13 leavers", ...
    kind: str  # a key of ACTIONS

    @property
    def action(self) -> str:
        return ACTIONS[self.kind][1]


def year_group(row: Mapping[str, str], ay: int) -> str:
    """A row's year group in academic year ``ay`` (the issue 16 contract): a current
    student's year, a recent leaver's "Year N leavers", or "" for anyone else."""
    text = row.get("leaving_year", "")
    if not text.isdigit():
        return ""
    leaving, point = int(text), point_of(row)
    if point == MIDYEAR:
        return "Mid-year leavers" if leaving in (ay, ay + 1) and row.get("left_on") else ""
    year = 11 if point == YEAR11 else 13
    if leaving == ay + 1:
        return f"Year {year}"
    if leaving == ay + 2 and year == 13:
        return "Year 12"
    return f"Year {year} leavers" if leaving == ay else ""


def by_ref(applications: Apps) -> dict[str, list[Mapping[str, str]]]:
    out: dict[str, list[Mapping[str, str]]] = {}
    for app in applications.values():
        if app.get("ref"):
            out.setdefault(app["ref"], []).append(app)
    return out


def _statuses(apps: Iterable[Mapping[str, str]]) -> set[str]:
    return {a.get("status", "").strip().capitalize() for a in apps}


def _intention(row: Mapping[str, str]) -> bool:
    return is_known(type_group(row, "intended"))


def _code(row: Mapping[str, str], group: str) -> int:
    text = row.get(f"{group}_nccis", "").strip()
    return int(text) if text.isdigit() else 0


def _guarantee(row: Mapping[str, str], statuses: set[str]) -> bool:
    recorded = row.get(GUARANTEE_KEY, "").strip()
    return (bool(recorded) and recorded.casefold() != "no") or bool(statuses & OFFERS)


def flags_for(ref: str, row: Mapping[str, str], apps: list[Mapping[str, str]],
              cal: AcademicCalendar, dates: SupportDates, today: date,
              before: Mapping[str, str] | None = None) -> list[Flag]:
    """Every intervention one student needs today, in the plan's order (``before``: the
    row as this run read it, for a plan that changed in this run)."""
    ay = cal.academic_year(today)
    group = year_group(row, ay)
    if not group:
        return []
    statuses = _statuses(apps)
    out: list[str] = []
    current = not group.endswith("leavers")
    leaving = int(row["leaving_year"])
    if current and today >= dates.on("intention_by", ay) and not _intention(row):
        out.append("no_intention")
    applying = group in ("Year 11", "Year 13")
    if applying and dates.on("application_by", ay) <= today < dates.on("offer_by", ay) \
            and not statuses & LIVE:
        out.append("no_application")
    if applying and dates.on("offer_by", ay) <= today < results_day(leaving) \
            and not statuses & OFFERS:
        out.append("no_offer")
    guarantee_due = group in ("Year 11 leavers", "Mid-year leavers") and \
        dates.on("guarantee_by", ay) < today <= date(ay, 12, 31)
    if guarantee_due and not _guarantee(row, statuses):
        out.append("no_guarantee")
    neet_group = "intended" if current else "actual"
    if _code(row, neet_group) in NEET_CODES or (
            neet_group == "actual" and not row.get("actual_nccis")
            and _code(row, "intended") in NEET_CODES):
        out.append("neet_risk")
    out += results_day_kinds(row, apps, cal, today, before)
    return [Flag(ref, group, k) for k in out]


def interventions(rows: Rows, applications: Apps, cal: AcademicCalendar,
                  dates: SupportDates, today: date, before: Rows | None = None) -> list[Flag]:
    """Every flag for every student, by ref."""
    apps = by_ref(applications)
    return [f for ref in sorted(rows) for f in flags_for(
        ref, rows[ref], apps.get(ref, []), cal, dates, today, (before or {}).get(ref))]


def results_window(cal: AcademicCalendar, leaving_year: int) -> tuple[date, date]:
    """Results day to the autumn deadline (the intended return, end of week 2 of the
    autumn term): the policy's support "on results days with any changes"."""
    return results_day(leaving_year), cal.autumn_week2_end(leaving_year)


def results_day_kinds(row: Mapping[str, str], apps: list[Mapping[str, str]],
                      cal: AcademicCalendar, today: date,
                      before: Mapping[str, str] | None = None) -> list[str]:
    """Between results day and the autumn deadline: a firm offer not (yet) confirmed,
    and a plan that changed. A change is an intended destination updated on or after
    results day that differs from the plan before it: the firm application when there is
    one, else the row as it stood before this run (``before``)."""
    text = row.get("leaving_year", "")
    if not text.isdigit() or point_of(row) == MIDYEAR:
        return []
    start, end = results_window(cal, int(text))
    if not start <= today <= end:
        return []
    statuses = _statuses(apps)
    out = []
    if statuses & {"Firm"} and "Confirmed" not in statuses:
        out.append("firm_unconfirmed")
    if changed_plan(row, apps, start, before):
        out.append("plan_changed")
    return out


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def changed_plan(row: Mapping[str, str], apps: list[Mapping[str, str]], since: date,
                 before: Mapping[str, str] | None = None) -> bool:
    updated = row.get("intended_updated", "")[:10]
    if not updated or updated < since.isoformat():
        return False
    firm = [a for a in apps if a.get("status", "").strip().capitalize() in ("Firm", "Confirmed")]
    if firm:
        return not any(_same(a.get("provider", ""), row.get("intended_provider", ""))
                       for a in firm)
    if before is None:
        return False
    keys = ("intended_destination", "intended_provider", "intended_course")
    return any(before.get(k) and not _same(before.get(k, ""), row.get(k, "")) for k in keys)


def flagged_today(rows: Rows, applications: Apps, cal: AcademicCalendar, today: date,
                  before: Rows | None = None) -> list[str]:
    """Refs a results-day flag names for the first time today: everyone with one on
    results day itself, then those whose plan changed today. The digest goes the same day
    for them."""
    apps = by_ref(applications)
    out = []
    for ref in sorted(rows):
        row = rows[ref]
        kinds = results_day_kinds(row, apps.get(ref, []), cal, today,
                                  (before or {}).get(ref))
        text = row.get("leaving_year", "")
        if kinds and (today == results_day(int(text))
                      or row.get("intended_updated", "")[:10] == today.isoformat()):
            out.append(ref)
    return out


def needing_support(rows: Rows, applications: Apps, cal: AcademicCalendar,
                    today: date) -> set[str]:
    """Refs a results-day flag names today (a firm offer not confirmed, a changed plan)."""
    apps = by_ref(applications)
    return {r for r, row in rows.items() if results_day_kinds(row, apps.get(r, []), cal, today)}


def support_first(refs: Iterable[str], rows: Rows, applications: Apps,
                  cal: AcademicCalendar, today: date) -> list[str]:
    """``refs`` in the same order, except that students with a results-day flag come
    first: the autumn contact asks them before anyone else."""
    ordered = list(refs)
    flagged = needing_support({r: rows[r] for r in ordered if r in rows}, applications, cal,
                              today)
    return [r for r in ordered if r in flagged] + [r for r in ordered if r not in flagged]


GROUP_ORDER = ("Year 11", "Year 12", "Year 13", "Year 11 leavers", "Year 13 leavers",
               "Mid-year leavers")
KIND_ORDER = (*RESULTS_KINDS, "neet_risk", "no_guarantee", "no_offer", "no_application",
              "no_intention")


def sections(flags: Iterable[Flag], cut: int) -> list[dict[str, object]]:
    """The digest's support sections: one per year group, results-day flags first, each
    with the framework's action and at most ``cut`` refs (then "and N more")."""
    by: dict[str, dict[str, list[str]]] = {}
    for f in flags:
        by.setdefault(f.group, {}).setdefault(f.kind, []).append(f.ref)
    out: list[dict[str, object]] = []
    for group in sorted(by, key=GROUP_ORDER.index):
        items = []
        for kind in sorted(by[group], key=KIND_ORDER.index):
            refs = sorted(by[group][kind])
            shown = refs if len(refs) <= cut else [*refs[:cut], f"and {len(refs) - cut} more"]
            items.append({"kind": kind, "label": ACTIONS[kind][0], "action": ACTIONS[kind][1],
                          "count": len(refs), "refs": shown})
        out.append({"group": group, "items": items})
    return out
