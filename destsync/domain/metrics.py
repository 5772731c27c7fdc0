"""The trust's *CEIAG Metrics & Destinations* figures: one row per academy, cohort and
checkpoint. Pure: the tracker as it will be after this run, its frozen returns and the
date in; rows of text out. Rebuilt from scratch every run, so a figure is never stale.

- A checkpoint already frozen is counted from its frozen return (what the trust signed),
  and says when it was frozen and whether that was late; one not yet due is counted from
  the tracker as it is now, with "Frozen on" empty.
- The destination groups are the report's groups by type; the three not-known codes
  (810, 820, 830) and a blank destination are counted apart, and none of them, nor
  "activity not captured", is ever a known destination (DOMAIN.md).
- Sustained is judged as the report judges it (``report.measure_group``), on the tracker
  as it is now: it needs the start date and duration a return does not hold, and it is
  decided months after the returns. It is ``z`` for the intended checkpoint.
- The tab is for the trust, not for publication: counts are not suppressed.
- Each leaving point's checkpoints count that point's cohorts only (Year 11 rows are
  "Year 11: ..." checkpoints). For a September Guarantee checkpoint, "Known" and "% known"
  count the students with an offer recorded: the September Guarantee share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from destsync.domain import report, vocab
from destsync.domain.calendar import AcademicCalendar, Checkpoint
from destsync.domain.context import PlanContext
from destsync.domain.leaving import has_offer, point_of
from destsync.domain.model import RETURN_HEADERS, TrackerSnapshot
from destsync.domain.plan import Freeze
from destsync.domain.validation import validation

METRICS_TAB = "Metrics"
TYPE_GROUPS: tuple[str, ...] = report.INTENDED_GROUPS[:-1]  # by type, then not captured
NOT_KNOWN_COLUMNS: tuple[tuple[str, str], ...] = (
    (str(vocab.NOT_KNOWN), "810 Situation not known"),
    (str(vocab.CANNOT_BE_CONTACTED), "820 Cannot be contacted"),
    (str(vocab.REFUSED), "830 Refused to disclose"),
    ("", "No destination recorded"),
)
METRICS_HEADERS: tuple[str, ...] = (
    "Academy", "Leaving year", "Checkpoint", "Deadline", "Frozen on", "Late", "Leavers",
    *TYPE_GROUPS, *(h for _, h in NOT_KNOWN_COLUMNS), "Known", "% known", "Validated",
    "Sustained", "Not sustained", report.NOT_YET_SUSTAINED, "% sustained",
)
_ACADEMY = 0  # the column that says whose row it is (a shared sheet holds several)
_NOT_KNOWN_LABELS = {vocab.NCCIS_LABELS[c].casefold(): str(c) for c in vocab.NOT_KNOWN_CODES}
_RET = {h: i for i, h in enumerate(RETURN_HEADERS)}


@dataclass(frozen=True)
class FrozenReturn:
    """One frozen (checkpoint, cohort): its rows as tracker-shaped cells, and when."""

    frozen_on: str
    rows: tuple[Mapping[str, str], ...]


def not_known_code(row: Mapping[str, str], group: str) -> str | None:
    """Which not-known column a checkpoint falls in: "810", "820", "830", "" (nothing
    recorded), or None for a destination counted by its type. An activity not captured
    that carries a not-known code (Form A's "Other" is 810) counts under its code, so the
    columns agree with a count of the tracker's NCCIS code column."""
    kind = report.type_group(row, group)
    if kind not in report.NOT_KNOWN_GROUPS:
        return None
    code = row.get(f"{group}_nccis", "").strip()
    if code in _NOT_KNOWN_LABELS.values():
        return code
    if kind == report.ACTIVITY_NOT_CAPTURED:
        return None
    return _NOT_KNOWN_LABELS.get(row.get(f"{group}_destination", "").strip().casefold(), "")


def percent(n: int, of: int) -> str:
    """One decimal place, so a data officer can check it with a calculator."""
    return f"{100 * n / of:.1f}%" if of else ""


def frozen_returns(return_rows: Iterable[Sequence[str]],
                   checkpoints: Sequence[Checkpoint]) -> dict[tuple[str, int], FrozenReturn]:
    """The Returns tab's rows (RETURN_HEADERS order) by (checkpoint key, leaving year),
    each row as the tracker cells its checkpoint's group reads."""
    by_label = {cp.label: cp for cp in checkpoints}
    grouped: dict[tuple[str, int], list[Mapping[str, str]]] = {}
    frozen_on: dict[tuple[str, int], str] = {}
    for r in return_rows:
        cells = list(r) + [""] * (len(RETURN_HEADERS) - len(r))
        cp = by_label.get(cells[_RET["Checkpoint"]].strip())
        year = cells[_RET["Leaving year"]].strip()
        if cp is None or not year.isdigit():
            continue  # not a return of this config's checkpoints: nothing to count
        g = cp.group
        key = (cp.key, int(year))
        frozen_on.setdefault(key, cells[_RET["Frozen on"]].strip()[:10])
        grouped.setdefault(key, []).append({
            "leaving_year": year,
            f"{g}_destination": cells[_RET["Destination"]],
            f"{g}_nccis": cells[_RET["NCCIS code"]],
            "validated": cells[_RET["Validated"]],  # Yes only with evidence (freezing)
            "frozen": "Yes",
            # The September Guarantee return holds the offer where others hold a provider.
            "sg_offer": cells[_RET["Provider / employer"]] if cp.offer else "",
        })
    return {k: FrozenReturn(frozen_on[k], tuple(v)) for k, v in grouped.items()}


def _is_late(frozen_on: str, deadline: date, late_days: int) -> str:
    try:
        when = date.fromisoformat(frozen_on)
    except ValueError:
        return ""
    return "Yes" if when > deadline + timedelta(days=late_days) else "No"


def metrics_rows(academy: str, rows: Iterable[Mapping[str, str]],
                 frozen: Mapping[tuple[str, int], FrozenReturn],
                 checkpoints: Sequence[Checkpoint], calendar: AcademicCalendar,
                 late_days: int, today: date) -> list[list[str]]:
    """Every (cohort, checkpoint) of one academy, oldest cohort first, checkpoints in the
    config's order. ``rows`` is the tracker as it will be after this run."""
    cohorts: dict[tuple[str, int], list[Mapping[str, str]]] = {}
    for row in rows:
        y = row.get("leaving_year", "").strip()
        if y.isdigit():
            cohorts.setdefault((point_of(row), int(y)), []).append(row)
    # Each leaving point has rows for the years it has leavers (or frozen returns) in.
    point_of_cp = {cp.key: cp.point for cp in checkpoints}
    present = set(cohorts) | {(point_of_cp[k], y) for k, y in frozen if k in point_of_cp}
    out: list[list[str]] = []
    for year in sorted({y for _, y in present}):
        for cp in checkpoints:
            if (cp.point, year) not in present:
                continue
            now_rows = cohorts.get((cp.point, year), [])
            ret = frozen.get((cp.key, year))
            counted = ret.rows if ret else tuple(now_rows)
            deadline = calendar.deadline(cp, year)
            out.append([
                academy, str(year), cp.label, deadline.isoformat(),
                ret.frozen_on if ret else "",
                _is_late(ret.frozen_on, deadline, late_days) if ret else "",
                *_figures(cp, counted, now_rows, today),
            ])
    return out


def _figures(cp: Checkpoint, counted: Sequence[Mapping[str, str]],
             now: Sequence[Mapping[str, str]], today: date) -> list[str]:
    g = cp.group
    kinds: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    dkey, nkey = f"{g}_destination", f"{g}_nccis"
    # Both figures read only the destination and its code, and a cohort has few of
    # those: each pair is worked out once.
    seen: dict[tuple[str, str], tuple[str | None, str]] = {}
    for r in counted:
        pair = (r.get(dkey, ""), r.get(nkey, ""))
        if (found := seen.get(pair)) is None:
            code = not_known_code(r, g)
            found = seen[pair] = (code, report.kind_group(r, g) if code is None else "")
        if found[0] is None:
            kinds[found[1]] += 1
        else:
            unknown[found[0]] += 1
    leavers = len(counted)
    known = leavers - kinds[report.ACTIVITY_NOT_CAPTURED] - sum(unknown.values())
    if cp.offer:  # the September Guarantee: Known is the students with an offer recorded
        known = sum(1 for r in counted if has_offer(r))
    validated = (str(sum(1 for r in counted if r.get("validated", "").strip() == "Yes"
                         and (r.get("frozen") or validation(r).ok)))
                 if cp.needs_validation else report.NOT_APPLICABLE)
    if g == "intended":
        sustained = [report.NOT_APPLICABLE] * 4
    else:
        types: dict[tuple[str, str], str] = {}
        measured: Counter[str] = Counter()
        for r in now:
            pair = (r.get(dkey, ""), r.get(nkey, ""))
            if (by_type := types.get(pair)) is None:
                by_type = types[pair] = report.type_group(r, g)
            # A type that is never judged sustained counts as its type (measure_group).
            measured[report.measure_group(r, g, today) if report.can_be_sustained(by_type)
                     else by_type] += 1
        s = sum(measured[m] for m in report.SUSTAINED_GROUPS)
        sustained = [str(s), str(measured["Not sustained"]),
                     str(measured[report.NOT_YET_SUSTAINED]), percent(s, len(now))]
    return [
        str(leavers), *(str(kinds[t]) for t in TYPE_GROUPS),
        *(str(unknown[code]) for code, _ in NOT_KNOWN_COLUMNS),
        str(known), percent(known, leavers), validated, *sustained,
    ]


def replace_own(existing: Iterable[Sequence[str]], academy: str,
                own: Sequence[Sequence[str]]) -> list[list[str]]:
    """A shared metrics tab with ``academy``'s rows replaced by ``own`` and every other
    academy's rows left as they are; grouped by academy so each block stays together."""
    others = [list(r) for r in existing if r and r[_ACADEMY] != academy and any(r)]
    return sorted([*others, *(list(r) for r in own)], key=lambda r: r[_ACADEMY])


def normalised(rows: Iterable[Sequence[str]]) -> list[list[str]]:
    """Rows as read back from a sheet (trailing empty cells dropped, blank rows gone), so
    what is there compares equal to what would be written."""
    width = len(METRICS_HEADERS)
    out = []
    for r in rows:
        cells = [str(v) for v in list(r)[:width]]
        cells += [""] * (width - len(cells))
        if any(cells):
            out.append(cells)
    return out


def academy_metrics(snap: TrackerSnapshot, rows: Mapping[str, Mapping[str, str]],
                    freezes: Sequence[Freeze], ctx: PlanContext, today: date) -> list[list[str]]:
    """One academy's rows, from the tracker after this run, the returns frozen before it
    (its Returns tab) and those it freezes now."""
    frozen = frozen_returns([*snap.returns, *(r for f in freezes for r in f.rows)],
                            ctx.checkpoints)
    return metrics_rows(ctx.academy_code, rows.values(), frozen, ctx.checkpoints,
                        ctx.calendar, ctx.freeze_late_days, today)


def tab_update(current: Sequence[Sequence[str]] | None,
               own: Sequence[Sequence[str]]) -> list[list[str]] | None:
    """The whole tab (header first) to write when it differs from ``current`` (None: the
    tab does not exist yet); None when it is already right."""
    wanted = [list(METRICS_HEADERS), *(list(r) for r in own)]
    return None if current is not None and normalised(current) == wanted else wanted
