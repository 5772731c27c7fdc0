"""What `setup`, `check` and `doctor` say about an academy's check-in form and its
Applications tab (issue 16). Nothing here for an academy without a check-in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from destsync.config.settings import Academy, Config
from destsync.entrypoints import bootstrap
from destsync.errors import ConfigError


def setup(cfg: Config, a: Academy, config: Path) -> None:
    """The Applications tab on a Google tracker, and the check-in form in Google Forms
    (a workbook gains its tab in ``XlsxTracker.setup``)."""
    if a.checkin is None:
        return
    if a.tracker.kind == "google_sheets":
        from destsync.adapters.google.sheets_apps import setup_tab

        tracker = bootstrap.google_tracker(cfg, a, Counter())
        changed = setup_tab(tracker.api)
        print(f"{a.code}: {'added' if changed else 'already has'} the Applications tab")
    if a.checkin.kind != "google_forms":
        return
    from destsync.adapters.google.forms import GoogleFormsSource
    from destsync.adapters.google.setup_checkin import setup_checkin

    source = bootstrap.checkin_source(cfg, a, Counter(), setup=True)
    assert isinstance(source, GoogleFormsSource)
    created, changed, entry, state = setup_checkin(source, f"{cfg.checkin.title}: {a.name}")
    if created:
        print(f"{a.code}: created the check-in form, form id {source.form_id}")
        print(f"  set checkin.form_id = \"{source.form_id}\" in [academies.checkin] for "
              f"{a.code} in {config}")
    print(f"{a.code}: {'updated' if changed else 'already set up'} check-in {source.what}")
    print(f"{a.code}: check-in form {state}")
    if entry and entry != cfg.checkin.reference_entry:
        print(f"  set checkin.reference_entry = \"{entry}\" for prefilled check-in links")


def check_line(ports: object) -> str:
    """One line for `destsync check`: how many check-ins and applications were read."""
    checkin = getattr(ports, "checkin", None)
    if checkin is None:
        return ""
    return f"  check-in: {len(checkin.read(None))} answers readable"


def doctor_checks(cfg: Config, a: Academy, ports: object) -> list[Callable[[], object]]:
    """The doctor's checks of the check-in: its answers can be read (the questions are
    found), and on Google the form takes responses and its reference's prefill key is the
    one the config gives (else reminders carry links that match nobody)."""
    source = getattr(ports, "checkin", None)
    if source is None:
        return []
    checks: list[Callable[[], object]] = [lambda: source.read(None)]
    if a.checkin is not None and a.checkin.kind == "google_forms":
        checks.append(lambda: _checkin_form(cfg, source))
    return checks


def _checkin_form(cfg: Config, source: Any) -> None:
    from destsync.adapters.google.forms import execute, publish_warning
    from destsync.adapters.google.setup import reference_entry

    form = execute(source.service.forms().get(formId=source.form_id), source.what)
    if warning := publish_warning(form, f"check-in {source.what}"):
        raise ConfigError(warning, "publish it in Google Forms, or run `destsync setup`")
    real = reference_entry(form, source.questions.get("reference", ""))
    have = cfg.checkin.reference_entry
    if real and real != have:
        raise ConfigError(
            f"checkin.reference_entry is {have!r}, but check-in {source.what}'s reference "
            f"question is prefilled by {real!r}, so reminder links would not prefill it",
            f'set checkin.reference_entry = "{real}"')
