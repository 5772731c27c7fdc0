"""The ``[mail]`` table and the ``[[campaigns]]`` list → frozen, validated settings.

Absent tables mean the seed's plan: an outbox folder beside the config, and four
campaigns (the annual alumni survey, the autumn check after results day, the Form B letter
to parents, the weekly staff digest). Every key is read by type; an unknown key is an error
naming the file, the key and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from destsync.config.reader import TableReader
from destsync.domain.contact_plan import (
    AUDIENCES,
    DEFAULT_CAMPAIGNS,
    Campaign,
    Window,
    resolve_anchor,
)

MAIL_BACKENDS = ("outbox", "smtp", "gmail")
# Inside the package, so an installed wheel carries them.
DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str = ""
    password_env: str = ""  # the name of an environment variable, never the password
    journal: Path | None = None  # None: "tracker", the ledger is the journal
    timeout: int = 30


@dataclass(frozen=True)
class MailSettings:
    backend: str
    sender: str  # From address; "" means each academy's careers email
    sender_name: str
    outbox: Path
    templates: Path
    daily_cap: int
    smtp: SmtpSettings
    gmail_user: str = "me"
    # Read bounces and replies from the sending mailbox's inbox (needs gmail.readonly).
    gmail_read_inbox: bool = False
    digest_to: tuple[str, ...] = ()  # "" → each academy's careers email
    send_batch: int = 50  # ledger writes after this many sends


def parse_mail(root: TableReader, file: Path) -> MailSettings:
    t = root.table("mail")
    backend = t.text("backend", "outbox")
    if backend not in MAIL_BACKENDS:
        raise t.error("backend", f"is {backend!r}", f"use one of {', '.join(MAIL_BACKENDS)}")
    sender = t.opt_text("sender")
    if sender and not _looks_like_email(sender):
        raise t.error("sender", f"{sender!r} is not an email address", "write name@domain")
    outbox = (file.parent / t.text("outbox", "outbox")).resolve()
    templates = t.opt_text("templates")
    tpl = (file.parent / templates).resolve() if templates else DEFAULT_TEMPLATES
    if not tpl.is_dir():
        raise t.error("templates", f"points to {tpl}, which is not a folder", "fix the path")
    digest_to = tuple(t.text_list("digest_to", []))
    for addr in digest_to:
        if not _looks_like_email(addr):
            raise t.error("digest_to", f"has {addr!r}, not an email address", "fix it")
    s = t.table("smtp")
    ssl = s.flag("ssl", False)
    smtp = SmtpSettings(
        host=s.text("host", "localhost"),
        port=s.integer("port", 465 if ssl else 587, 1, 65535),
        starttls=s.flag("starttls", not ssl),
        ssl=ssl,
        username=s.opt_text("username"),
        password_env=s.opt_text("password_env"),
        journal=_journal(file, s.text("journal", "smtp-sent.journal")),
        timeout=s.integer("timeout", 30, 1, 600),
    )
    if smtp.ssl and smtp.starttls:
        raise s.error("ssl", "and starttls are both true", "use one: ssl (port 465) or starttls")
    s.done()
    g = t.table("gmail")
    gmail_user = g.text("user", "me")
    read_inbox = g.flag("read_inbox", False)
    g.done()
    settings = MailSettings(
        backend=backend,
        sender=sender,
        sender_name=t.opt_text("sender_name"),
        outbox=outbox,
        templates=tpl,
        daily_cap=t.integer("daily_cap", 2000, 0, 100_000),
        smtp=smtp,
        gmail_user=gmail_user,
        gmail_read_inbox=read_inbox,
        digest_to=digest_to,
        # With the journal in the tracker, the ledger is the journal: a batch of 1 makes
        # each 250 durable at once (one Sheets write per message).
        send_batch=t.integer("send_batch", 50 if smtp.journal else 1, 1, 1000),
    )
    t.done()
    return settings


def parse_campaigns(root: TableReader) -> tuple[Campaign, ...]:
    if not root.has("campaigns"):
        root.raw("campaigns")
        return DEFAULT_CAMPAIGNS
    out: list[Campaign] = []
    for t in root.tables("campaigns"):
        out.append(_campaign(t))
    keys = [c.key for c in out]
    if len(set(keys)) != len(keys):
        raise root.error("campaigns", "repeat a key", "give each campaign its own key")
    return tuple(out)


def _campaign(t: TableReader) -> Campaign:
    key = t.text("key")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", key):
        raise t.error("key", f"{key!r} is not a short lower-case name", "e.g. annual_survey")
    audience = t.text("audience")
    if audience not in AUDIENCES:
        raise t.error("audience", f"is {audience!r}", f"use one of {', '.join(AUDIENCES)}")
    w = t.table("window", required=audience != "staff")
    start, end = w.text("start", "01-01"), w.text("end", "12-31")
    for name, anchor in (("start", start), ("end", end)):
        try:
            resolve_anchor(anchor, 2026)
            resolve_anchor(anchor, 2027)  # a leap day would only work one year in four
        except ValueError:
            raise w.error(
                name, f"{anchor!r} is not a day", 'write "MM-DD" or "results_day+7"'
            ) from None
    w.done()
    window = Window(start, end)
    attempts = t.integer("attempts", 3 if audience in ("alumni", "leavers") else 1, 1, 10)
    default_spacing = [0, 14, 35][:attempts] if attempts <= 3 else [14 * i for i in range(attempts)]
    spacing = tuple(t.integer_list("spacing_days", default_spacing))
    if len(spacing) != attempts or spacing[0] != 0 or list(spacing) != sorted(set(spacing)):
        raise t.error(
            "spacing_days", f"is {list(spacing)} for {attempts} attempts",
            f"list {attempts} increasing day numbers starting at 0, e.g. [0, 14, 35]",
        )
    for year in (2026, 2027):
        s, e = window.dates(year)
        if s + timedelta(days=spacing[-1]) > e:
            raise t.error(
                "window", f"ends before the last attempt (day {spacing[-1]}) in {year}",
                "widen the window or shorten spacing_days",
            )
    years = tuple(t.integer_list("years", [1, 2, 3] if audience == "alumni" else []))
    if audience == "alumni" and (not years or not all(1 <= y <= 3 for y in years)):
        raise t.error("years", f"is {list(years)}", "list years after leaving from 1 to 3")
    if audience != "alumni" and years:
        raise t.error("years", "only applies to audience = \"alumni\"", "remove it")
    template = t.text("template")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", template):
        raise t.error("template", f"{template!r} is not a template name", 'e.g. "followup"')
    campaign = Campaign(
        key=key, audience=audience, window=window, attempts=attempts, spacing_days=spacing,
        grace_days=t.integer("grace_days", 21 if audience in ("alumni", "leavers") else 0, 0, 365),
        template=template,
        subject=t.text("subject"), priority=t.integer("priority", 50, 0, 1000), years=years,
    )
    t.done()
    return campaign


def _journal(file: Path, value: str) -> Path | None:
    """The SMTP journal's file, or None for "tracker": no file (Cloud Run keeps no disk
    between runs); the ledger's sent rows are the journal."""
    return None if value == "tracker" else (file.parent / value).resolve()


def _looks_like_email(text: str) -> bool:
    return re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", text) is not None


def default_mail() -> MailSettings:
    """Settings for a Config built in code (tests): an outbox in the working folder."""
    return MailSettings("outbox", "", "", Path("outbox").resolve(), DEFAULT_TEMPLATES, 2000,
                        SmtpSettings())
