"""The one composition root: config → adapters. Nothing else builds an adapter or a client,
and nothing is built at import time."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from destsync.config.settings import Academy, Config
from destsync.domain.model import RosterEntry
from destsync.errors import ConfigError
from destsync.service.ports import (
    AcademyPorts,
    Lease,
    Mailer,
    MetricsSink,
    ResponseSource,
    Roster,
    Tracker,
)

if TYPE_CHECKING:  # SDK-backed adapters are imported only when a config asks for them
    from destsync.adapters.google.forms import GoogleFormsSource
    from destsync.adapters.google.retry import RetryPolicy
    from destsync.adapters.google.sheets import GoogleSheetsTracker
    from destsync.adapters.local.mail_files import LocalMailFiles


class _NoRoster:
    def read(self) -> list[RosterEntry]:
        return []



def build_all(cfg: Config) -> list[AcademyPorts]:
    """Every academy's ports, in config order."""
    return [build(cfg, a) for a in cfg.academies]

def build(cfg: Config, academy: Academy) -> AcademyPorts:
    calls: Counter[str] = Counter()
    responses: ResponseSource
    tracker: Tracker
    sheets: GoogleSheetsTracker | None
    watermark: Callable[[], str] | None
    if academy.tracker.kind == "xlsx":
        from destsync.adapters.local.xlsx_tracker import XlsxTracker

        assert academy.tracker.path is not None
        from destsync.adapters.local.lease import FileLease

        tracker = XlsxTracker(academy.tracker.path, academy.headers)
        watermark, sheets = None, None
        lease: Lease = FileLease(academy.tracker.path)
    else:
        from destsync.adapters.google.lease import SheetsLease

        sheets = google_tracker(cfg, academy, calls)
        tracker, watermark = sheets, sheets.watermark
        lease = SheetsLease(sheets.api, settle=cfg.google.lease_settle_ms / 1000)
    if academy.responses.kind == "csv":
        from destsync.adapters.local.csv_responses import CsvResponseSource

        assert academy.responses.path is not None
        responses = CsvResponseSource(academy.responses.path, cfg.questions, cfg.timezone)
    else:
        # Incremental: the Sheets tracker keeps the newest placed submission (its
        # watermark, read with the tracker before responses are read). With a workbook
        # tracker every response is read each run, which is correct, just not incremental.
        responses = google_forms_source(cfg, academy, calls, watermark)
    roster: Roster = _NoRoster()
    if academy.roster_tab and sheets is not None:
        from destsync.adapters.google.roster import SheetsRoster

        roster = SheetsRoster(sheets, academy.roster_columns, academy.code)
    elif academy.roster_path is not None:
        from destsync.adapters.local.roster_csv import CsvRoster

        roster = CsvRoster(academy.roster_path, academy.roster_columns, academy.code)
    mailer = build_mailer(cfg, academy, calls)
    return AcademyPorts(academy, responses, tracker, roster, calls, mailer, lease,
                        mail_files(cfg), checkin_source(cfg, academy, calls))


def checkin_source(cfg: Config, academy: Academy, calls: Counter[str],
                   setup: bool = False) -> ResponseSource | None:
    """The termly check-in's answers (issue 16), or None for an academy without one.
    Read whole each run (a term's check-ins are few): no watermark to keep apart from
    Form A's."""
    source = academy.checkin
    if source is None:
        return None
    if source.kind == "csv":
        from destsync.adapters.local.csv_responses import CsvResponseSource

        assert source.path is not None
        return CsvResponseSource(source.path, cfg.checkin.questions, cfg.timezone, "checkin")
    if not source.remote_id and not setup:
        raise ConfigError(
            f"{cfg.file}: academy {academy.code} has no checkin.form_id",
            "run `destsync setup` to create the check-in form, then set form_id to the id "
            "it prints",
        )
    return google_forms_source(cfg, academy, calls, None, setup, checkin=True)


def metrics_sink(cfg: Config) -> MetricsSink | None:
    """The trust's shared Metrics tab, when ``[metrics]`` names a file of its own."""
    m = cfg.metrics
    if m.path is not None:
        from destsync.adapters.local.xlsx_metrics import XlsxMetrics

        return XlsxMetrics(m.path, m.tab)
    if not m.spreadsheet_id:
        return None
    from destsync.adapters.google import credentials as cr
    from destsync.adapters.google.sheets_api import SheetsApi
    from destsync.adapters.google.sheets_metrics import SheetsMetrics

    calls: Counter[str] = Counter()
    creds = cr.credentials_for(cr.SHEETS_SCOPES, cfg.google.credentials_file)
    client = cr.gspread_client(creds, retry_policy(cfg), calls)
    label = f"spreadsheet {m.spreadsheet_id} (metrics)"
    return SheetsMetrics(SheetsApi(client, m.spreadsheet_id, label), m.tab, calls)


def retry_policy(cfg: Config) -> RetryPolicy:
    from destsync.adapters.google import pacing
    from destsync.adapters.google.retry import RetryPolicy

    # One pacer for the whole run: the academies share the user's per-minute quotas.
    return RetryPolicy(total_seconds=float(cfg.google.retry_seconds),
                       pacer=pacing.shared(cfg.google.quota))


def google_tracker(cfg: Config, academy: Academy, calls: Counter[str]) -> GoogleSheetsTracker:
    """The Sheets tracker; API calls are counted into ``calls`` as "sheets.<method>"."""
    from destsync.adapters.google import credentials as cr
    from destsync.adapters.google.sheets import GoogleSheetsTracker
    from destsync.adapters.google.sheets_api import SheetsApi

    creds = cr.credentials_for(cr.SHEETS_SCOPES, cfg.google.credentials_file)
    policy = retry_policy(cfg)
    client = cr.gspread_client(creds, policy, calls)
    label = f"spreadsheet {academy.tracker.remote_id} ({academy.code})"
    return GoogleSheetsTracker(
        SheetsApi(client, academy.tracker.remote_id, label), academy.headers, policy,
        academy.roster_tab, academy.checkin is not None,
    )


def google_forms_source(
    cfg: Config,
    academy: Academy,
    calls: Counter[str],
    watermark: Callable[[], str] | None = None,
    setup: bool = False,
    checkin: bool = False,
) -> GoogleFormsSource:
    """The Forms source (read scopes; ``setup`` asks for forms.body to add questions).
    The service is built on first use, so a run that never reads builds nothing."""
    from destsync.adapters.google import credentials as cr
    from destsync.adapters.google.forms import GoogleFormsSource

    backend = academy.checkin if checkin and academy.checkin else academy.responses
    if not backend.remote_id and not setup:
        raise ConfigError(
            f"{cfg.file}: academy {academy.code} has no responses.form_id",
            "run `destsync setup` to create Form A, then set form_id to the id it prints",
        )
    scopes = cr.FORMS_SETUP_SCOPES if setup else cr.FORMS_READ_SCOPES
    creds = cr.credentials_for(scopes, cfg.google.credentials_file)
    policy = retry_policy(cfg)
    return GoogleFormsSource(
        lambda: cr.discovery_service("forms", "v1", creds, policy, calls),
        backend.remote_id, cfg.checkin.questions if checkin else cfg.questions, watermark,
        "checkin" if checkin else "form_a",
    )


def build_mailer(cfg: Config, academy: Academy, calls: Counter[str]) -> Mailer | None:
    """The configured mailer, sending as ``mail.sender`` (or the academy's careers email)
    with replies to the careers email."""
    mail = cfg.mail
    if not cfg.campaigns:
        return None
    sender = mail.sender or academy.careers_email
    if not sender:
        raise ConfigError(
            f"{cfg.file}: academy {academy.code} has no careers_email and [mail] no sender",
            "set careers_email for the academy, or mail.sender",
        )
    reply_to = academy.careers_email or sender
    if mail.backend == "outbox":
        from destsync.adapters.local.outbox import OutboxMailer

        return OutboxMailer(mail.outbox, sender, mail.sender_name, reply_to)
    if mail.backend == "smtp":
        from destsync.adapters.local.smtp import SmtpMailer

        s = mail.smtp
        password = os.environ.get(s.password_env, "") if s.password_env else ""
        if s.password_env and not password:
            raise ConfigError(
                f"{cfg.file}: mail.smtp.password_env names {s.password_env}, which is not set",
                f"export {s.password_env}=... before running destsync",
            )
        return SmtpMailer(
            s.host, s.port, sender, sender_name=mail.sender_name, reply_to=reply_to,
            starttls=s.starttls, use_ssl=s.ssl, username=s.username, password=password,
            journal=s.journal, timeout=s.timeout,
        )
    from destsync.adapters.google import credentials as cr
    from destsync.adapters.google import gmail

    # The mailbox is reached by domain-wide delegation: act as the sending address.
    scopes = gmail.SCOPES + (cr.GMAIL_READ_SCOPES if mail.gmail_read_inbox else ())
    creds = None if os.environ.get("WORKSPACE_EMULATOR_HOST") else cr.credentials_for(
        scopes, cfg.google.credentials_file, subject=sender
    )
    policy = retry_policy(cfg)
    return gmail.GmailMailer(
        gmail.build_service(creds, policy), sender, user=mail.gmail_user,
        sender_name=mail.sender_name, reply_to=reply_to, calls=calls, policy=policy,
        read_inbox=mail.gmail_read_inbox,
    )


def mail_files(cfg: Config) -> LocalMailFiles:
    """The files a local mailer writes (the outbox, the SMTP journal). Gmail keeps its
    Sent folder itself: an erasure does not reach it (README, erasure)."""
    from destsync.adapters.local.mail_files import LocalMailFiles

    journal = cfg.mail.smtp.journal if cfg.mail.backend == "smtp" else None
    return LocalMailFiles(cfg.mail.outbox, journal)
