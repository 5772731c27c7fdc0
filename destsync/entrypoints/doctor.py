"""``destsync doctor``: check everything a deployment needs and list every problem.

``check`` stops at the first problem and reads quickly; the doctor carries on, so an IT
technician setting up a school sees all that is wrong at once, each with its fix: the
config, the emulator when one is set, the templates, and per academy the credentials and
the tracker's tabs and headers, the roster, Form A's questions and its prefill key, the
check-in form's (issue 16: readable, published, its reference's prefill key), and
the mailer (its ``probe``: an SMTP connection and EHLO, the Gmail mailbox's profile, the
outbox folder), and the trust's shared Metrics sheet when ``[metrics]`` names one.
Every check only reads; nothing is written to a tracker, a form or a mailbox.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from destsync.config.settings import Academy, Config, load_config
from destsync.entrypoints import bootstrap, checkin_cmd
from destsync.errors import DestsyncError


@dataclass(frozen=True)
class Problem:
    where: str  # "config", "templates", or an academy code
    what: str
    fix: str


def _probe(where: str, problems: list[Problem], fn: Callable[[], object]) -> None:
    """Run one check; a failure becomes a Problem instead of stopping the doctor."""
    try:
        fn()
    except DestsyncError as exc:
        problems.append(Problem(where, exc.message, exc.hint or ""))
    except Exception as exc:  # a check that breaks is itself a finding, never a crash
        problems.append(Problem(where, f"unexpected {type(exc).__name__} while checking",
                                "run destsync --debug check for details"))


def diagnose(config: Path) -> list[Problem]:
    problems: list[Problem] = []
    try:
        cfg = load_config(config)
    except DestsyncError as exc:
        return [Problem("config", exc.message, exc.hint or "")]
    host = os.environ.get("WORKSPACE_EMULATOR_HOST", "")
    if host:
        _probe("emulator", problems, lambda: _reach_emulator(host))
    _probe("templates", problems, lambda: _templates(cfg))
    for academy in cfg.academies:
        _academy(cfg, academy, problems)
    if cfg.metrics.shared:  # the trust's own Metrics sheet or workbook: can it be read?
        _probe("metrics", problems, lambda: _read_metrics(cfg))
    return problems


def _read_metrics(cfg: Config) -> None:
    sink = bootstrap.metrics_sink(cfg)
    if sink is not None:
        sink.read()


def _reach_emulator(host: str) -> None:
    name, _, port = host.rpartition(":")
    try:
        socket.create_connection((name or "localhost", int(port or 80)), timeout=3).close()
    except (OSError, ValueError):
        from destsync.adapters.google.emulator import EmulatorUnreachable

        raise EmulatorUnreachable(f"http://{host}") from None


def _templates(cfg: Config) -> None:
    from destsync.entrypoints.commands import template_errors
    from destsync.service.outreach import check_templates
    from destsync.service.render import Renderer

    with template_errors(cfg):
        check_templates(cfg, Renderer(cfg.mail.templates))


def _academy(cfg: Config, academy: Academy, problems: list[Problem]) -> None:
    code = academy.code
    try:
        ports = bootstrap.build(cfg, academy)
    except DestsyncError as exc:  # credentials or the mailer's settings
        problems.append(Problem(code, exc.message, exc.hint or ""))
        return
    _probe(code, problems, ports.tracker.read)
    _probe(code, problems, ports.roster.read)
    _probe(code, problems, lambda: ports.responses.read(None))
    if academy.responses.kind == "google_forms":
        _probe(code, problems, lambda: _prefill_key(cfg, ports.responses))
    for check in checkin_cmd.doctor_checks(cfg, academy, ports):
        _probe(code, problems, check)
    if ports.mailer is not None:
        _probe(code, problems, ports.mailer.probe)


def _prefill_key(cfg: Config, source: Any) -> None:
    from destsync.adapters.google.forms import execute
    from destsync.adapters.google.setup import reference_entry
    from destsync.errors import ConfigError

    form = execute(source.service.forms().get(formId=source.form_id), source.what)
    for key, what in (("reference", "links would not prefill it"),
                      ("consent", "messages would carry no working stop link")):
        real = reference_entry(form, source.questions.get(key, ""))
        have = getattr(cfg, f"{key}_entry")
        if real and real != have:
            raise ConfigError(
                f"form_a.{key}_entry is {have!r}, but {source.what}'s "
                f"{key} question is prefilled by {real!r}, so {what}",
                f'set form_a.{key}_entry = "{real}"',
            )


def doctor(config: Path) -> int:
    problems = diagnose(config)
    if not problems:
        print("doctor: all well: config, templates, trackers, rosters, forms and mailers")
        return 0
    print(f"doctor: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    for p in problems:
        print(f"- [{p.where}] {p.what}")
        if p.fix:
            print(f"  fix: {p.fix}")
    return 2


