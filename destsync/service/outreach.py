"""The mail half of a run, between planning and applying: which campaign messages are due
per academy, the trust-wide daily cap, and rendering. Pure apart from reading templates.

The service calls ``stage`` per academy (the one planning pass), then ``allocate`` once for
the whole trust, because the mailbox's daily limit is shared by every academy.
"""

from __future__ import annotations

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
from destsync.service.sending import pending_entries


@dataclass
class Staged:
    academy: Academy
    snap: TrackerSnapshot
    plan: Plan
    camp: CampaignPlan
    rows: dict[str, dict[str, str]]
    metrics: list[list[str]] = field(default_factory=list)  # this academy's Metrics rows
    inbound: list[LedgerEntry] = field(default_factory=list)  # bounced, replied (mailback)

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
                  back.ledger)


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


def allocate(cfg: Config, renderer: Renderer, staged: Sequence[Staged], now: datetime) -> None:
    """Apply the rolling 24-hour cap over the trust, render what goes now, and put the
    pending ledger entries into each plan (phase one of exactly-once)."""
    used = sent_since([s.snap.ledger for s in staged], now - timedelta(hours=24))
    # The cap is the trust's (one mailbox); each plan then takes its share of both lists.
    go, _ = apply_cap([m for s in staged for m in s.camp.due], used, cfg.mail.daily_cap)
    go_keys = {m.key for m in go}
    for s in staged:
        own = {m.key for m in s.camp.due}
        mine = [m for m in go if m.key in own]  # in priority order
        deferred = [m for m in s.camp.due if m.key not in go_keys]
        s.plan.deferred = [_unrendered(m) for m in deferred]
        s.plan.messages = [_render(cfg, renderer, s, m, len(mine), deferred, now)
                           for m in mine]
        s.plan.ledger = pending_entries(s.plan.messages, now, s.recovering) + s.inbound


def _render(cfg: Config, renderer: Renderer, s: Staged, m: DueMessage, due: int,
            deferred: Sequence[DueMessage], now: datetime) -> OutgoingMessage:
    ctx = message_context(cfg, s.academy, s.rows.get(m.ref, {}), m.ref, m.cycle,
                          m.campaign.audience in STUDENT_AUDIENCES)
    ctx.update(campaign_context(m.campaign, m.attempt))
    if m.campaign.audience == "current":  # the check-in form's own prefilled link
        ctx["form_link"] = checkin_link(cfg, m.ref)
    if m.campaign.audience == "staff":
        ctx["digest"] = build_digest(
            s.rows, s.snap.ledger, cfg.calendar, cfg.checkpoints, now,
            len(s.snap.review_keys) + len(s.plan.review), len(s.plan.review), due,
            [d.campaign.key for d in deferred], s.camp.short,
            s.snap.applications, cfg.support, s.snap.rows,
        )
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
