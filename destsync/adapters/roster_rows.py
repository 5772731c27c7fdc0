"""Roster rows -> RosterEntry, whatever carried them: a CSV export from the MIS, or a tab
of a spreadsheet the MIS export was pasted or imported into (a Cloud Run task has no
local disk worth the name)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from destsync.domain.leaving import LABELS, parse_point
from destsync.domain.model import RosterEntry
from destsync.domain.normalize import clean_text
from destsync.domain.roster_review import RosterProblem, roster_problem
from destsync.errors import InputError

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
ROW_FIELDS = ("ref", "forename", "surname", "dob", "leaving_year")


def _text(row: Mapping[str, str | None], column: str) -> str:
    """A roster cell cleaned exactly as a form answer is (NFC, no control characters,
    whitespace folded): the MIS export is typed by people too, and a control character
    reached openpyxl, whose error quoted the student's name to stderr."""
    return clean_text(row.get(column) or "")


def _date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def roster_entries(header: Sequence[str], rows: Sequence[Mapping[str, str | None]],
                   columns: Mapping[str, str], code: str, where: str,
                   problems: list[RosterProblem] | None = None) -> list[RosterEntry]:
    """``where`` names the roster in errors ("roster roster.csv", "roster tab 'Roster'");
    ``rows`` are keyed by header, numbered from line 2. A row with an unreadable date of
    birth or leaving year goes into ``problems`` (for Review) and the rest still load;
    without ``problems`` it stops the read."""
    col = dict(columns)
    for key in ROW_FIELDS:
        if col[key] not in header:
            raise InputError(
                f"{where} has no column {col[key]!r} ({key})",
                f"rename the column, or set roster.columns.{key} in the config",
            )
    out: list[RosterEntry] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        adm = _text(row, col["ref"])
        if not adm:
            continue
        ref = f"{code}-{adm}"
        if ref in seen:
            raise InputError(
                f"{where} line {line}: {col['ref']} {adm!r} appears twice",
                "each student must appear once in the roster",
            )
        seen.add(ref)
        dob_text = _text(row, col["dob"])
        dob = _date(dob_text) if dob_text else None
        year_text = _text(row, col["leaving_year"])
        bad_year = not (year_text.isdigit() and len(year_text) == 4)
        if (dob_text and dob is None) or bad_year:
            if problems is None:
                raise InputError(
                    f"{where} line {line}: date of birth or leaving year is not valid",
                    "dates as DD/MM/YYYY or YYYY-MM-DD, leaving year as four digits",
                )
            problems.append(roster_problem(where, line, ref, bool(dob_text) and dob is None,
                                           bad_year))
            if bad_year:
                continue  # no checkpoint can be placed without it: the row is left out
        point, left_on = _leaving(row, col, where, line)
        yg = _text(row, col.get("year_group", ""))
        out.append(
            RosterEntry(
                ref=ref,
                forename=_text(row, col["forename"]),
                surname=_text(row, col["surname"]),
                dob=dob.isoformat() if dob else "",
                leaving_year=int(year_text),
                parent_email=_text(row, col["parent_email"]),
                s72_opt_out=_text(row, col["s72_opt_out"]).lower()
                in ("yes", "y", "true", "1"),
                year_group=int(yg) if yg.isdigit() else None,
                leaving_point=point,
                left_on=left_on,
            )
        )
    return out


def _leaving(row: Mapping[str, str | None], col: Mapping[str, str], where: str,
             line: int) -> tuple[str, str]:
    """The leaving point and left-on date, both optional columns (none: Year 13). A value
    that cannot be read stops the read: a wrong cohort would freeze into a return."""
    text = _text(row, col.get("leaving_point", ""))
    point = parse_point(text)
    left_text = _text(row, col.get("left_on", ""))
    left = _date(left_text) if left_text else None
    if point is None or (left_text and left is None):
        raise InputError(
            f"{where} line {line}: leaving point or left-on date is not valid",
            f"leaving point as one of {', '.join(LABELS.values())} (blank: Year 13), "
            "left-on date as DD/MM/YYYY or YYYY-MM-DD",
        )
    return point, left.isoformat() if left else ""
