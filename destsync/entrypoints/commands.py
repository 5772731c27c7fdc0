"""What each CLI command does: wire the config to the service and print the outcome.

Output names counts and refs, never a student's personal data: it lands in Cloud Run logs.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from destsync.config.settings import Config, load_config
from destsync.entrypoints import bootstrap, checkin_cmd
from destsync.entrypoints.cloudrun import current_task, for_task
from destsync.errors import ConfigError, DestsyncError, InputError, TemplateError
from destsync.service.ports import AcademyPorts
from destsync.service.sync import RunResult, prime_questions, run_sync

# --now is for replaying or testing a date. A real date is well inside these years; one
# outside them is a typo (0001-01-01 crashed the planner with "year -5 is out of range",
# and 9999-12-31 froze every return and filed hundreds of review rows, for good).
NOW_YEARS = (2000, 2099)


def parse_now(text: str | None, tz: str) -> datetime:
    zone = ZoneInfo(tz)
    if not text:
        return datetime.now(zone)
    try:
        if "T" in text or " " in text:
            d = datetime.fromisoformat(text)
            d = d if d.tzinfo else d.replace(tzinfo=zone)
        else:
            # A bare date means the job's usual early-morning run on that day.
            d = datetime.combine(datetime.fromisoformat(text).date(), time(6, 0), zone)
    except ValueError:
        raise ConfigError(
            f"--now {text!r} is not a date", "write --now YYYY-MM-DD (or an ISO date-time)"
        ) from None
    lo, hi = NOW_YEARS
    if not lo <= d.year <= hi:
        raise ConfigError(
            f"--now {text!r} is outside the years {lo} to {hi}",
            "write the date you mean as YYYY-MM-DD, or leave out --now for today",
        )
    return d


def _not_utf8_template(folder: Path) -> str | None:
    for f in sorted(folder.glob("*.j2")):
        try:
            f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            return f.name
    return None


@contextmanager
def template_errors(cfg: Config) -> Iterator[None]:
    """Turn a template file that is not UTF-8 text into one TemplateError line.

    render.Renderer names every error raised while a template runs; a file it cannot
    decode fails in Jinja's loader, before any template line, and is named here, where the
    folder is known. Rendering happens before anything is written or sent, so nothing is
    half-done. Other exceptions pass through.
    """
    try:
        yield
    except DestsyncError:
        raise
    except UnicodeDecodeError as exc:
        bad = _not_utf8_template(cfg.mail.templates)
        if bad is None:
            raise
        raise TemplateError(
            f"template {bad} in {cfg.mail.templates} is not UTF-8 text ({exc.reason})",
            "save it as UTF-8 (in Notepad: Save As, Encoding: UTF-8)",
        ) from None


def sync(config: Path, now_text: str | None, dry_run: bool, as_json: bool) -> int:
    task = current_task()
    cfg = for_task(load_config(config), task)
    now = parse_now(now_text, cfg.timezone)
    ports = bootstrap.build_all(cfg)
    shared = bootstrap.metrics_sink(cfg)
    interactive = sys.stderr.isatty() and not as_json
    if interactive:
        from rich.console import Console

        console = Console(stderr=True)
        with console.status("starting") as status, template_errors(cfg):
            result = run_sync(cfg, ports, now, dry_run, step=lambda s: status.update(s),
                              holder=task.holder, metrics=shared)
    else:
        with template_errors(cfg):
            result = run_sync(cfg, ports, now, dry_run, holder=task.holder, metrics=shared)
    warnings = _warnings(ports)
    if as_json:
        # One line: Cloud Logging makes it one entry whose fields can be queried.
        print(json.dumps({**result.summary(), "warnings": warnings}, sort_keys=True))
    elif dry_run:
        from destsync.domain.retention_plan import upcoming

        by_code = {p.academy.code: p for p in ports}
        for code, plan in result.plans.items():
            print(f"[{code}] dry run: nothing written")
            print(plan.to_text())
            rows = by_code[code].tracker.read().rows
            for line in upcoming(rows, cfg.calendar, cfg.retention_grace_days, now.date()):
                print(line)
    else:
        _print_summary(result, cfg, result.summary())
    if not as_json:
        for w in warnings:
            print(f"  warning: {w}")
    return 0


def _warnings(ports: list[AcademyPorts]) -> list[str]:
    """What the adapters noticed that is not an error: a form that takes no responses."""
    out = []
    for p in ports:
        for source in (p.responses, p.checkin):  # a form that takes no responses
            w = getattr(source, "warning", "")
            if isinstance(w, str) and w:
                out.append(f"{p.academy.code}: {w}")
    return out


def _print_summary(result: RunResult, cfg: Config, s: dict[str, Any]) -> None:
    print(
        f"destsync sync {result.run_id}: read {s['responses_read']} responses; "
        f"added {s['rows_added']} rows; updated {s['cells_updated']} cells; "
        f"{s['conflicts']} conflicts and {s['review_items']} new review items; "
        f"froze {s['returns_frozen']} returns"
    )
    if s["applications_added"] or s["applications_updated"]:
        print(f"  applications: added {s['applications_added']}, "
              f"updated {s['applications_updated']} cells")
    by_campaign = ", ".join(f"{k} {v}" for k, v in s["emails_sent_by_campaign"].items())
    print(
        f"  emails: sent {s['emails_sent']}" + (f" ({by_campaign})" if by_campaign else "")
        + f"; deferred by the daily cap {s['emails_deferred']}; bounced {s['emails_bounced']}"
        + f"; {s['not_known_recorded']} checkpoints recorded as not known (810/820/830)"
    )
    if s["mail_limit"]:
        print(f"  {s['emails_held_by_limit']} emails wait for the next run: {s['mail_limit']}")
    for a in cfg.academies:
        if a.tracker.path is not None:
            print(f"  {a.code}: tracker {a.tracker.path}")
    for code, holder in sorted(result.skipped.items()):
        print(f"  {code}: skipped, another run is working on it ({holder}); it finishes there")


def setup(config: Path) -> int:
    cfg = load_config(config)
    for a in cfg.academies:
        if a.tracker.kind == "xlsx" and a.tracker.path is not None:
            from destsync.adapters.local.xlsx_tracker import XlsxTracker

            changed = XlsxTracker(a.tracker.path, a.headers).setup(a.checkin is not None)
            print(f"{a.code}: {'created' if changed else 'already set up'} {a.tracker.path}")
        elif a.tracker.kind == "google_sheets":
            from destsync.adapters.google.setup import setup_sheet

            tracker = bootstrap.google_tracker(cfg, a, Counter())
            changed = setup_sheet(tracker.api, a.headers)
            print(f"{a.code}: {'updated' if changed else 'already set up'} {tracker.api.label}")
        if a.responses.kind == "google_forms":
            from destsync.adapters.google.setup import create_form, publish_form, setup_form

            source = bootstrap.google_forms_source(cfg, a, Counter(), setup=True)
            title = f"Form A: {a.name}"
            if not source.form_id:
                create_form(source, title)
                print(f"{a.code}: created Form A, form id {source.form_id}")
                print(f"  set responses.form_id = \"{source.form_id}\" for {a.code} in {config}")
            changed, entries = setup_form(source, title)
            print(f"{a.code}: {'updated' if changed else 'already set up'} {source.what}")
            print(f"{a.code}: Form A {publish_form(source)}")
            for key, entry in entries.items():
                if entry and entry != getattr(cfg, key):
                    print(f"  set form_a.{key} = \"{entry}\" for prefilled links")
        checkin_cmd.setup(cfg, a, config)
    return 0


def check(config: Path) -> int:
    cfg = load_config(config)
    from destsync.domain.consent import live_line

    for p in bootstrap.build_all(cfg):
        snap = p.tracker.read()
        prime_questions(p, snap.meta)
        n_roster = len(p.roster.read())
        n_resp = len(p.responses.read(None))
        print(f"{p.academy.code}: config ok; {n_roster} on roster; {n_resp} responses readable")
        if line := checkin_cmd.check_line(p):
            print(line)
        print(f"  {live_line(cfg.questions.get('consent', ''), snap.meta)}")
        for w in _warnings([p]):
            print(f"  warning: {w}")
        for problem in getattr(p.roster, "problems", ()):  # the sync puts these on Review
            print(f"  warning: {problem.where}: {problem.what}")
        for key, title in getattr(p.responses, "renamed", {}).items():
            print(f"  note: the question for {key} is now titled {title!r} (found by its id)")
    from destsync.service.outreach import check_templates
    from destsync.service.render import Renderer

    with template_errors(cfg):
        n = check_templates(cfg, Renderer(cfg.mail.templates))
    print(f"templates ok: {n} campaign templates rendered against sample data")
    return 0


def preview(config: Path, campaign: str, ref: str | None, html_out: Path | None,
            now_text: str | None) -> int:
    """Render one campaign's template for a student (or an academy's digest), or for the
    sample data. This is the one command that prints a student's details, on purpose:
    a person asked to see that letter."""
    from destsync.entrypoints.preview import render_preview
    from destsync.service.render import to_terminal_text

    cfg = load_config(config)
    now = parse_now(now_text, cfg.timezone)
    out = html_out or Path(f"preview-{campaign}.html")
    if out.is_dir():
        raise InputError(f"--html {out} is a folder", f"name a file, e.g. {out / 'preview.html'}")
    with template_errors(cfg):
        subject, text, page, where = render_preview(cfg, campaign, ref, now)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        # A missing folder or a read-only working directory (a container) was an
        # "unexpected" FileNotFoundError; the letter itself was fine.
        raise InputError(
            f"cannot write {out} ({exc.strerror or type(exc).__name__})",
            "pass --html with a path in a folder that exists and you can write to",
        ) from None
    print(to_terminal_text(subject, text))
    print(f"-- HTML written to {out} ({where})")
    return 0


def demo(out: Path, seed: int, leavers: int) -> int:
    from destsync.entrypoints.demo import run_demo

    if not 1 <= leavers <= 5000:
        raise ConfigError(f"--leavers {leavers} is not from 1 to 5000",
                          "pass --leavers with a number such as 150")
    # The demo writes destsync.toml, roster.csv, form-a-responses.csv and tracker.xlsx
    # and syncs invented students into that tracker. Pointed at a real school's folder it
    # would overwrite them; run twice into one folder it mixes two demos. A new folder only.
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(
            f"--out {out} already exists" + ("" if out.is_dir() else " and is a file"),
            "name a new folder for the demo (or delete the old demo folder first)",
        )
    run_demo(out, seed, leavers, lambda cfg, now: sync(cfg, now, dry_run=False, as_json=False))
    return 0


def report(config: Path, out: Path, now_text: str | None) -> int:
    """The anonymised report from every academy's tracker. Reads only; writes the folder."""
    from destsync.config.mail import DEFAULT_TEMPLATES
    from destsync.domain.report import TRUST, build_tables
    from destsync.domain.report_points import guarantee_tables
    from destsync.service.report_output import chart_png, csv_text, render_html, write_report

    cfg = load_config(config)
    today = parse_now(now_text, cfg.timezone).date()
    rows = {p.academy.code: list(p.tracker.read().rows.values()) for p in bootstrap.build_all(cfg)}
    tables = build_tables(rows, today=today)
    chart = chart_png(tables)  # Year 13's, as before
    # Year 11 leavers: their destinations, then the September Guarantee share.
    tables += build_tables(rows, today=today, point="year11") + guarantee_tables(rows)
    names = {a.code: a.name for a in cfg.academies} | {TRUST: f"{cfg.trust_name} (all)"}
    templates = cfg.mail.templates if (cfg.mail.templates / "report.html.j2").exists() \
        else DEFAULT_TEMPLATES
    files = {
        "report.html": render_html(templates, cfg.trust_name, tables, names, chart,
                                   today).encode("utf-8"),
        "report.csv": csv_text(tables, names).encode("utf-8-sig"),  # Excel reads the BOM
    }
    if chart:
        files["chart.png"] = chart
    written = write_report(out, files)
    print(f"report: {len(tables)} tables (cohort x checkpoint) for {len(rows)} academies")
    for path in written:
        print(f"  {path}")
    return 0
