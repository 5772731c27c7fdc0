"""The mail half of a run, between planning and applying: which campaign messages are due
per academy, the trust-wide daily cap, and rendering. Pure apart from reading templates.

The service calls ``stage`` per academy (the one planning pass), writes that academy's
tracker, keeps only its ``Mailing`` (the due messages and the few rows they name) and moves
on; then ``allocate`` runs once for the whole trust, because the mailbox's daily limit is
shared by every academy. So a run holds one academy's tracker at a time, whatever the trust.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from destsync.config.settings import Academy, Config
from destsync.domain.campaigns import (
    CampaignPlan,
    DueMessage,
    apply_cap,
    prefill_link,
    sent_since,
    stop_link,
)
from destsync.domain.context import PlanContext
from destsync.domain.digest import build_digest
from destsync.domain.mailback import InboundMail, MailBack, read_back
from destsync.domain.metrics import tab_update
from destsync.domain.model import LedgerEntry, RawResponse, RosterEntry, TrackerSnapshot
from destsync.domain.plan import OutgoingMessage, Plan
from destsync.domain.reconcile import Contact, plan_academy
from destsync.service.ports import MailReader
from destsync.service.render import (
    SAMPLE_REF,
    Renderer,
    campaign_context,
    sample_context,
    stop_context,
)
from destsync.service.sending import pending_entries, stale_entries


@dataclass
class Staged:
    academy: Academy
    snap: TrackerSnapshot
    plan: Plan
    camp: CampaignPlan
    rows: dict[str, dict[str, str]]
    metrics: list[list[str]] = field(default_factory=list)  # this academy's Metrics rows
    inbound: list[LedgerEntry] = field(default_factory=list)  # bounced, replied (mailback)
    applications: dict[str, dict[str, str]] = field(default_factory=dict)  # as the run leaves

    @property
    def recovering(self) -> set[str]:
        """Keys a crashed run left pending: the mailer is asked before they are sent."""
        return {m.key for m in self.camp.due if m.recovering}


def stage(
    cfg: Config, academy: Academy, ctx: PlanContext, snap: TrackerSnapshot,
    roster: Sequence[RosterEntry], responses: Sequence[RawResponse], now: datetime,
    back: MailBack | None = None, checkins: Sequence[RawResponse] = (),
) -> Staged:
    """One academy's plan, tracker and campaigns together (``plan_academy``: one pass,
    each response parsed once). ``back`` is the mail read back this run (``read_inbound``
    has already put its ledger rows into ``snap``, so the planner sees them)."""
    staff = cfg.mail.digest_to or ((academy.careers_email,) if academy.careers_email else ())
    planned = plan_academy(snap, roster, responses, ctx, now, Contact(cfg.campaigns, staff),
                           checkins=checkins)
    if not cfg.metrics.shared:  # the tracker's own Metrics tab, in its one write
        planned.plan.metrics = tab_update(snap.metrics, planned.metrics)
    back = back or MailBack()
    planned.plan.review += [r for r in back.review if r.key not in snap.review_keys]
    return Staged(academy, snap, planned.plan, planned.camp, planned.rows, planned.metrics,
                  back.ledger, planned.applications)


# Notices and replies older than this are not read again: the campaigns' attempts span
# 35 days, and a late delivery-failure notice comes within days.
READ_BACK_DAYS = 60


def read_inbound(mailer: object, snap: TrackerSnapshot,
                 seen: dict[str, Sequence[InboundMail]] | None = None) -> MailBack:
    """Read the sending mailbox's notices and replies, and put what they change into the
    snapshot's ledger; nothing for a mailer that cannot read (outbox, SMTP). ``seen``
    keeps each mailbox's mail for the run: academies sending from one mailbox read it
    once (each matches only its own ledger)."""
    if not isinstance(mailer, MailReader):
        return MailBack()
    seen = {} if seen is None else seen
    if mailer.sender not in seen:
        seen[mailer.sender] = mailer.read_mail(READ_BACK_DAYS)
    back = read_back(seen[mailer.sender], snap.ledger, mailer.sender)
    snap.ledger.update({e.key: e for e in back.ledger})
    return back


@dataclass
class Mailing:
    """What one academy's sends need once its tracker is written: its due messages, the
    rows they name (not the whole tracker) and the staff digest's content."""

    academy: Academy
    due: list[DueMessage]
    stale: list[LedgerEntry]  # pending keys the rules no longer call for
    recovering: set[str]
    rows: dict[str, dict[str, str]]
    ledger: dict[str, LedgerEntry]  # the due keys' entries (a crashed run's tokens)
    sent_24h: int  # this academy's share of what the mailbox sent in the last 24 hours
    digest: dict[str, Any] | None  # build_digest's content; ``due``/``deferred`` at allocate
    now: datetime
    messages: list[OutgoingMessage] = field(default_factory=list)
    deferred: list[OutgoingMessage] = field(default_factory=list)

    @property
    def pending(self) -> list[LedgerEntry]:
        """Phase one of exactly-once: written before anything of this academy is sent."""
        return pending_entries(self.messages, self.now, self.recovering)


def mailing(cfg: Config, s: Staged, now: datetime) -> Mailing:
    """``s`` cut down to what its sends need, so its snapshot and plan can go."""
    due = s.camp.due
    digest = None
    if any(m.campaign.audience == "staff" for m in due):
        digest = build_digest(s.rows, s.snap.ledger, cfg.calendar, cfg.checkpoints, now,
                              len(s.snap.review_keys) + len(s.plan.review), len(s.plan.review),
                              0, (), s.camp.short, s.applications, cfg.support,
                              s.snap.rows)
    refs = {m.ref for m in due}
    keys = {m.key for m in due}
    return Mailing(s.academy, list(due), stale_entries(s.camp.stale, s.snap.ledger),
                  s.recovering, {r: s.rows[r] for r in refs if r in s.rows},
                  {k: e for k, e in s.snap.ledger.items() if k in keys},
                  sent_since([s.snap.ledger], now - timedelta(hours=24)), digest, now)


def allocate(cfg: Config, renderer: Renderer, mailings: Sequence[Mailing]) -> None:
    """Apply the rolling 24-hour cap over the trust and render what goes now. The
    academies' own counts add up to the trust's: one mailbox, one cap, one priority order."""
    used = sum(m.sent_24h for m in mailings)
    go, _ = apply_cap([d for m in mailings for d in m.due], used, cfg.mail.daily_cap)
    go_keys = {d.key for d in go}
    for m in mailings:
        own = {d.key for d in m.due}
        mine = [d for d in go if d.key in own]  # in priority order
        deferred = [d for d in m.due if d.key not in go_keys]
        m.deferred = [_unrendered(d) for d in deferred]
        m.messages = [_render(cfg, renderer, m, d, len(mine), deferred) for d in mine]


def _render(cfg: Config, renderer: Renderer, s: Mailing, m: DueMessage, due: int,
            deferred: Sequence[DueMessage]) -> OutgoingMessage:
    ctx = message_context(cfg, s.academy, s.rows.get(m.ref, {}), m.ref, m.cycle,
                          m.campaign.audience in STUDENT_AUDIENCES)
    ctx.update(campaign_context(m.campaign, m.attempt))
    if m.campaign.audience == "current":  # the check-in form's own prefilled link
        ctx["form_link"] = checkin_link(cfg, m.ref)
    if m.campaign.audience == "staff":
        ctx["digest"] = {**(s.digest or {}), "due": due, "deferred": dict(sorted(
            Counter(d.campaign.key for d in deferred).items()))}
    subject, text, html = renderer.render(m.campaign.template, m.campaign.subject, ctx)
    return OutgoingMessage(m.key, m.ref, m.campaign.key, ", ".join(m.to), subject, text, html,
                           m.campaign.priority, ctx["stop"]["form_link"])


# Whose messages carry the stop form: it withdraws the student's own consent, so a
# parent's letter (Form B) and the staff digest keep the email-to-staff way to stop.
STUDENT_AUDIENCES = ("alumni", "leavers", "current")


def message_context(cfg: Config, academy: Academy, row: Mapping[str, str], ref: str,
                    cycle: str, student: bool = True) -> dict[str, Any]:
    leaving = row.get("leaving_year", "")
    years_out = int(cycle) - int(leaving) if cycle.isdigit() and leaving.isdigit() else 0
    return {
        "school": {"name": academy.name, "careers_email": academy.careers_email},
        "trust": {"name": cfg.trust_name},
        "student": {"forename": row.get("forename", ""), "surname": row.get("surname", ""),
                    "ref": ref, "leaving_year": leaving, "years_out": years_out},
        "form_link": prefill_link(cfg.responder_url, cfg.reference_entry, ref),
        "stop": stop_context(academy.careers_email, ref, academy.name, stop_link(
            cfg.responder_url, cfg.reference_entry, cfg.consent_entry, ref) if student else ""),
    }


def checkin_link(cfg: Config, ref: str) -> str:
    """A current student's check-in form, their reference prefilled (issue 16)."""
    return prefill_link(cfg.checkin.responder_url, cfg.checkin.reference_entry, ref)


def check_templates(cfg: Config, renderer: Renderer) -> int:
    """Render every campaign's templates against invented data; TemplateError stops the
    run before anything is read, written or sent."""
    return sum(renderer.check(cfg.campaigns, sample_for(cfg, a)) for a in cfg.academies)


def sample_for(cfg: Config, academy: Academy) -> dict[str, Any]:
    """Invented data, as an academy's letters would show it (render.SAMPLE_REF's link)."""
    link = prefill_link(cfg.responder_url, cfg.reference_entry, SAMPLE_REF)
    stop = stop_link(cfg.responder_url, cfg.reference_entry, cfg.consent_entry, SAMPLE_REF)
    return sample_context(academy.name, academy.careers_email, cfg.trust_name, link, stop)


def _unrendered(m: DueMessage) -> OutgoingMessage:
    # Deferred messages are only counted and listed; they are rendered on the run that
    # sends them, with the data as it is then.
    return OutgoingMessage(m.key, m.ref, m.campaign.key, ", ".join(m.to), "", "", "",
                           m.campaign.priority)
