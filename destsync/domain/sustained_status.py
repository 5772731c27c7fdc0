"""Each leaver's actual destinations judged one by one: Sustained, Not sustained or Not
yet known, with the evidence that decided it, for staff to check a figure against. Pure.
It names refs: it is for the school, never for publication (the report is)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from destsync.domain import report, sustained

HEADERS: tuple[str, ...] = ("Academy", "Ref", "Leaving year", "Checkpoint", "Destination",
                            "Sustained", "Evidence")
ACTUAL_GROUPS: tuple[str, ...] = ("actual", "year1", "year2", "year3")


def status(row: Mapping[str, str], group: str, today: date | None) -> sustained.Verdict:
    """One actual checkpoint's verdict, as the report and the Metrics tab count it."""
    v = report.verdict(row, group, today)
    if v is not None:
        return v
    kind = report.type_group(row, group)
    if kind == "Not sustained":  # a gap year, voluntary work or NEET
        return sustained.Verdict(sustained.NOT_SUSTAINED,
                                 f"{report.kind_group(row, group)}: not education, an "
                                 "apprenticeship or employment")
    return sustained.Verdict(sustained.NOT_YET_KNOWN, "the destination is not known"
                             if kind == report.NOT_KNOWN else "an activity not captured")


def student_rows(academy: str, rows: Iterable[Mapping[str, str]], today: date | None,
                 cohort: int | None = None) -> list[list[str]]:
    """Header, then one line per leaver and actual checkpoint with a destination."""
    out = [list(HEADERS)]
    for row in sorted(rows, key=lambda r: r.get("ref", "")):
        year = row.get("leaving_year", "").strip()
        if not year.isdigit() or (cohort is not None and int(year) != cohort):
            continue
        for g in ACTUAL_GROUPS:
            dest = row.get(f"{g}_destination", "").strip()
            if dest:
                v = status(row, g, today)
                out.append([academy, row.get("ref", ""), year, report.CHECKPOINT_LABELS[g],
                            dest, v.status, v.evidence])
    return out
