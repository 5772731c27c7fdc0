"""What each CLI command does: wire the config to the service and print the outcome.

Output names counts and refs, never a student's personal data: it lands in Cloud Run logs.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from destsync import bootstrap
from destsync.config import Config, load_config
from destsync.errors import ConfigError
from destsync.service import RunResult, run_sync


def parse_now(text: str | None, tz: str) -> datetime:
    zone = ZoneInfo(tz)
    if not text:
        return datetime.now(zone)
    try:
        if "T" in text or " " in text:
            d = datetime.fromisoformat(text)
            return d if d.tzinfo else d.replace(tzinfo=zone)
        # A bare date means the job's usual early-morning run on that day.
        return datetime.combine(datetime.fromisoformat(text).date(), time(6, 0), zone)
    except ValueError:
        raise ConfigError(
            f"--now {text!r} is not a date", "write --now YYYY-MM-DD (or an ISO date-time)"
        ) from None


def _ports(cfg: Config) -> list[bootstrap.AcademyPorts]:
    return [bootstrap.build(cfg, a) for a in cfg.academies]


def sync(config: Path, now_text: str | None, dry_run: bool, as_json: bool) -> int:
    cfg = load_config(config)
    now = parse_now(now_text, cfg.timezone)
    ports = _ports(cfg)
    interactive = sys.stderr.isatty() and not as_json
    if interactive:
        from rich.console import Console

        console = Console(stderr=True)
        with console.status("starting") as status:
            result = run_sync(cfg, ports, now, dry_run, step=lambda s: status.update(s))
    else:
        result = run_sync(cfg, ports, now, dry_run)
    if as_json:
        print(json.dumps(result.summary(), indent=2, sort_keys=True))
    elif dry_run:
        for code, plan in result.plans.items():
            print(f"[{code}] dry run: nothing written")
            print(plan.to_text())
    else:
        _print_summary(result, cfg)
    return 0


def _print_summary(result: RunResult, cfg: Config) -> None:
    s = result.summary()
    print(
        f"destsync sync {result.run_id}: read {s['responses_read']} responses; "
        f"added {s['rows_added']} rows; updated {s['cells_updated']} cells; "
        f"{s['conflicts']} conflicts and {s['review_items']} new review items; "
        f"froze {s['returns_frozen']} returns"
    )
    by_campaign = ", ".join(f"{k} {v}" for k, v in s["emails_sent_by_campaign"].items())
    print(
        f"  emails: sent {s['emails_sent']}" + (f" ({by_campaign})" if by_campaign else "")
        + f"; deferred by the daily cap {s['emails_deferred']}; bounced {s['emails_bounced']}"
        + f"; {s['not_known_recorded']} checkpoints recorded as not known (820/830)"
    )
    for a in cfg.academies:
        if a.tracker.path is not None:
            print(f"  {a.code}: tracker {a.tracker.path}")


def setup(config: Path) -> int:
    cfg = load_config(config)
    for a in cfg.academies:
        if a.tracker.kind == "xlsx" and a.tracker.path is not None:
            from destsync.adapters.xlsx_tracker import XlsxTracker

            changed = XlsxTracker(a.tracker.path, a.headers).setup()
            print(f"{a.code}: {'created' if changed else 'already set up'} {a.tracker.path}")
        elif a.tracker.kind == "google_sheets":
            from destsync.adapters.google_setup import setup_sheet

            tracker = bootstrap.google_tracker(cfg, a, Counter())
            changed = setup_sheet(tracker.api, a.headers)
            print(f"{a.code}: {'updated' if changed else 'already set up'} {tracker.api.label}")
        if a.responses.kind == "google_forms":
            from destsync.adapters.google_setup import create_form, setup_form

            source = bootstrap.google_forms_source(cfg, a, Counter(), setup=True)
            title = f"Form A: {a.name}"
            if not source.form_id:
                create_form(source, title)
                print(f"{a.code}: created Form A, form id {source.form_id}")
                print(f"  set responses.form_id = \"{source.form_id}\" for {a.code} in {config}")
            changed, entry = setup_form(source, title)
            print(f"{a.code}: {'updated' if changed else 'already set up'} {source.what}")
            if entry and entry != cfg.reference_entry:
                print(f"  set form_a.reference_entry = \"{entry}\" for prefilled links")
    return 0


def check(config: Path) -> int:
    cfg = load_config(config)
    for p in _ports(cfg):
        p.tracker.read()
        n_roster = len(p.roster.read())
        n_resp = len(p.responses.read(None))
        print(f"{p.academy.code}: config ok; {n_roster} on roster; {n_resp} responses readable")
    from destsync.outreach import check_templates
    from destsync.render import Renderer

    n = check_templates(cfg, Renderer(cfg.mail.templates))
    print(f"templates ok: {n} campaign templates rendered against sample data")
    return 0


def preview(config: Path, campaign: str, ref: str | None, html_out: Path | None,
            now_text: str | None) -> int:
    """Render one campaign's template for a student (or an academy's digest), or for the
    sample data. This is the one command that prints a student's details, on purpose:
    a person asked to see that letter."""
    from destsync.preview import render_preview

    cfg = load_config(config)
    now = parse_now(now_text, cfg.timezone)
    subject, text, page, where = render_preview(cfg, campaign, ref, now)
    out = html_out or Path(f"preview-{campaign}.html")
    out.write_text(page, encoding="utf-8")
    print(f"Subject: {subject}\n\n{text}")
    print(f"-- HTML written to {out} ({where})")
    return 0


def demo(out: Path, seed: int, leavers: int) -> int:
    from destsync.demo import run_demo

    run_demo(out, seed, leavers)
    return 0
