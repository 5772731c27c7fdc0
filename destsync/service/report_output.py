"""Write the anonymised report: an HTML page a governor can read on a phone or print, a
CSV for the trust's own analysis, and a chart. Everything is written to a temporary
folder and renamed into place, so a failed run never leaves half a report to publish."""

from __future__ import annotations

import base64
import csv
import io
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import jinja2

from destsync.domain.normalize import is_formula_like
from destsync.domain.report import (
    ALL_GROUPS,
    CHECKPOINT_LABELS,
    KNOWN_ROW,
    MEASURE_GROUPS,
    NOT_KNOWN,
    OFFER_RECORDED,
    SMALL,
    SUPPRESSED,
    TRUST,
    Table,
    year_on_year,
)
from destsync.errors import ReportError
from destsync.service.render import environment

TEMPLATE = "report.html.j2"


def csv_safe(value: str) -> str:
    """A value a spreadsheet will not run: text starting like a formula gets a leading
    apostrophe (OWASP's advice for CSV injection). Counts and our labels never do."""
    return f"'{value}" if is_formula_like(value) else value


def csv_text(tables: Sequence[Table], names: Mapping[str, str]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["leaving_year", "checkpoint", "academy", "measure_group", "count",
                "percent_of_cohort"])
    for t in tables:
        # Year 13's checkpoints as before; another leaving point's say whose they are.
        checkpoint = t.checkpoint if t.point == "year13" else f"{t.point}:{t.checkpoint}"
        for col in t.columns:
            cohort = t.cohort[col]
            w.writerow([t.leaving_year, checkpoint, csv_safe(names[col]), "All leavers",
                        cohort.text(), ""])
            for g in t.groups:
                cell = t.cells[(g, col)]
                w.writerow([t.leaving_year, checkpoint, csv_safe(names[col]), g,
                            cell.text(), cell.percent(cohort)])
            if t.is_offer:
                continue  # offers, not destinations: the shares above are the figures
            known = t.known(col)
            w.writerow([t.leaving_year, checkpoint, csv_safe(names[col]), KNOWN_ROW,
                        known.text(), known.percent(cohort)])
            held = t.sustained(col)
            if held is not None:
                w.writerow([t.leaving_year, t.checkpoint, csv_safe(names[col]), "Sustained",
                            held.text(), held.percent(cohort)])
    return out.getvalue()


def chart_png(tables: Sequence[Table]) -> bytes | None:
    """One bar per cohort: the trust-wide shares at its latest checkpoint. Hidden cells are
    left out of the bars (the caption says so), never estimated."""
    latest: dict[int, Table] = {}
    for t in tables:  # build_tables lists checkpoints in order, so the last one wins
        latest[t.leaving_year] = t
    if not latest:
        return None
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server; must precede pyplot
    import matplotlib.pyplot as plt

    years = sorted(latest)
    # Each checkpoint has its own rows (intended: by type); the bars use those present.
    present = {g for t in latest.values() for g in t.groups}
    groups = [g for g in ALL_GROUPS if g in present]
    # Narrow and large-lettered: most people will see it on a phone.
    fig, ax = plt.subplots(figsize=(5.5, 1.0 + 0.6 * len(years)), dpi=150)
    colours = ["#1b4f72", "#2874a6", "#5dade2", "#117a65", "#b9770e", "#922b21",
               "#d4ac0d", "#7d3c98", "#909497", "#154360", "#1f618d", "#48c9b0",
               "#0e6251", "#a04000", "#641e16"]
    for i, g in enumerate(groups):
        lefts, widths = [], []
        for y in years:
            t = latest[y]
            cohort = t.cohort[TRUST]
            before = sum(
                100 * t.cells[(h, TRUST)].count / cohort.count
                for h in groups[:i]
                if (h, TRUST) in t.cells and t.cells[(h, TRUST)].shown and cohort.shown
                and cohort.count
            )
            cell = t.cells.get((g, TRUST))
            share = 100 * cell.count / cohort.count if (
                cell is not None and cell.shown and cohort.shown and cohort.count) else 0.0
            lefts.append(before)
            widths.append(share)
        ax.barh([str(y) for y in years], widths, left=lefts, color=colours[i], label=g)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of leavers", fontsize=10)
    ax.tick_params(labelsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.45 if len(years) < 3 else -0.25),
              ncol=1, fontsize=9, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def render_html(templates: Path, trust: str, tables: Sequence[Table],
                names: Mapping[str, str], chart: bytes | None, today: date) -> str:
    env = environment(templates, html=True, keep_trailing_newline=False)
    try:
        template = env.get_template(TEMPLATE)
        return template.render(
            trust=trust, tables=tables, names=names, groups=MEASURE_GROUPS,
            comparison=year_on_year([t for t in tables if t.point == "year13"]),
            labels=CHECKPOINT_LABELS, offer_row=OFFER_RECORDED,
            not_known=NOT_KNOWN, small=SMALL, suppressed=SUPPRESSED, today=today,
            chart=base64.b64encode(chart).decode("ascii") if chart else "",
        )
    except jinja2.TemplateNotFound:
        raise ReportError(f"template {TEMPLATE} is not in {templates}",
                          "restore it from destsync's templates/ folder") from None
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" line {line}" if line else ""
        raise ReportError(f"template {TEMPLATE}{where}: {exc.message}",
                          "fix the template and run the report again") from None


def write_report(out: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Replace ``out`` with a folder holding ``files``, all or nothing."""
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out} is a file, not a folder", "pass --out with a folder path")
    if out.is_dir() and any(p.name not in files for p in out.iterdir()):
        # Never delete what someone else put there.
        raise ReportError(f"{out} holds files destsync did not write",
                          "pass --out with a new or empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".destsync-report-", dir=out.parent))
    except OSError as exc:
        raise ReportError(f"cannot write in {out.parent} ({exc.strerror or exc})",
                          "pass --out with a folder you can write to") from None
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except OSError as exc:
        raise ReportError(f"cannot write the report to {out} ({exc.strerror or exc})",
                          "free some space or pick another folder; nothing was published",
                          ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return [out / name for name in files]
