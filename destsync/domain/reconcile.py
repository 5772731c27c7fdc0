"""The pure planner: tracker snapshot + roster + responses + now → Plan, in one pass.

Each part decides one thing and can be called alone: ``placing`` puts every response on a
row, ``merge`` weighs each wanted cell against the tracker (a person's edit always
stands), ``erasure`` empties contact details on refusal, withdrawal or the end of
retention, ``campaigns`` says who is due which email and which checkpoints are now not
known, and ``freezing`` copies the returns at their deadlines. This module runs them in
order, once per academy per run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from destsync.domain import audit, nccis_follow, staff_consent
from destsync.domain.answers import CONTACT_KEYS
from destsync.domain.applications import after_applications, merge_applications
from destsync.domain.campaigns import Audience, CampaignPlan, DueMessage, plan_campaigns
from destsync.domain.checkin_place import MARKER, CheckinPlacement, place_checkins
from destsync.domain.consent import known_versions, new_wording, withdrawn
from destsync.domain.contact_plan import Campaign
from destsync.domain.context import PlanContext
from destsync.domain.erasure import erase_rows, erased_keys, replace_contacts, retention_over
from destsync.domain.freezing import freezes_due
from destsync.domain.interventions import needing_support
from destsync.domain.leaving import missing_columns, offer_wants
from destsync.domain.merge import Merger
from destsync.domain.metrics import academy_metrics
from destsync.domain.model import RawResponse, ResponseRecord, RosterEntry, TrackerSnapshot
from destsync.domain.placing import Placement, place_responses
from destsync.domain.plan import NewRow, Plan, after_rows
from destsync.domain.resolutions import settle

Want = tuple[str, str, str, str]  # (ref, column, value, source)


@dataclass(frozen=True)
class Contact:
    """What the campaign step needs: the contact plan and who gets the staff digest."""

    campaigns: tuple[Campaign, ...]
    staff: tuple[str, ...] = ()


@dataclass
class AcademyPlan:
    plan: Plan
    rows: dict[str, dict[str, str]]  # the tracker as it will be once ``plan`` is applied
    camp: CampaignPlan = field(default_factory=CampaignPlan)
    metrics: list[list[str]] = field(default_factory=list)  # this academy's Metrics rows
    # The Applications tab as this run leaves it (worked out for the campaigns step only).
    applications: dict[str, dict[str, str]] = field(default_factory=dict)


def plan_sync(
    snap: TrackerSnapshot,
    roster: Sequence[RosterEntry],
    responses: Sequence[RawResponse],
    ctx: PlanContext,
    now: datetime,
    extra_wants: Sequence[Want] = (),
) -> Plan:
    """The tracker's plan alone. ``extra_wants`` are cells decided elsewhere; they go
    through the same three-way merge, and a response's value for the same cell wins."""
    return plan_academy(snap, roster, responses, ctx, now, extra_wants=extra_wants).plan


def support_marked(due: list[DueMessage], rows: Mapping[str, Mapping[str, str]],
                   applications: Mapping[str, Mapping[str, str]], ctx: PlanContext,
                   today: date) -> list[DueMessage]:
    """Between results day and the autumn deadline a student whose firm offer was not
    confirmed or whose plan changed is asked first when the daily cap bites."""
    due_rows = {m.ref: rows[m.ref] for m in due if m.ref in rows}  # only they are asked
    flagged = needing_support(due_rows, applications, ctx.calendar, today)
    return [replace(m, support=True) if m.ref in flagged else m for m in due]


def plan_academy(
    snap: TrackerSnapshot,
    roster: Sequence[RosterEntry],
    responses: Sequence[RawResponse],
    ctx: PlanContext,
    now: datetime,
    contact: Contact | None = None,
    extra_wants: Sequence[Want] = (),
    checkins: Sequence[RawResponse] = (),
) -> AcademyPlan:
    """One academy's whole plan: the tracker changes, then, on the tracker as it will be
    after them (so a response that arrives today stops today's reminder), the campaigns;
    their "not known" outcomes join the same merge, and the returns freeze last.
    ``checkins`` are the termly check-in's answers (``checkin_place``)."""
    today = now.astimezone(ZoneInfo(ctx.timezone)).date()
    placement = place_responses(snap, roster, responses, ctx, now)
    for wanted in placement.ours.values():  # a column the tracker lacks is never written
        for col in snap.absent & wanted.keys():
            del wanted[col]
    extra_wants = [w for w in (*extra_wants, *offer_wants(snap.applications, snap.rows))
                   if w[1] not in snap.absent]
    checked = place_checkins(snap, placement, checkins, ctx, now, ctx.checkin_slots)
    nccis_follow.follow(snap.base, placement)
    adopted = staff_consent.settle(snap.base, placement, today)
    if adopted:  # staff Consent edits a newer Form A answer replaces: merged as read
        snap = replace(snap, base={**snap.base, **adopted})
    plan = Plan(now=now.isoformat(timespec="seconds"))
    plan.base_updates.update(adopted)
    plan.responses_read = placement.responses_read
    plan.review = placement.review
    settle(snap.review_open, placement.settled, plan, today.isoformat(), placement.outcomes)
    merger = Merger(snap.base, plan, placement.review_keys)
    for item in missing_columns(snap.absent, roster):
        merger.add_review(item)
    expired = _merge(snap, placement, ctx, merger, today)
    plan.responses = _records(snap, placement, plan.erased)
    _merge_extra(placement, merger, expired, extra_wants)
    _applications(snap, checked, merger)
    audit.record(snap, plan, placement.set_aside, placement.long_answers)
    rows = after_rows(snap, plan)
    camp, apps = CampaignPlan(), {}
    if contact is not None:
        apps = after_applications(snap, plan)
        versions = frozenset(known_versions(snap.meta) | {ctx.consent_version}) - {""}
        audience = Audience(ctx.academy_code, contact.staff, ctx.calendar, rows, roster,
                            snap.ledger, versions, apps, snap.rows,
                            staff_counts=ctx.staff_consent_contacts)
        camp = plan_campaigns(contact.campaigns, audience, now)
        camp.due = support_marked(camp.due, rows, apps, ctx, today)
        wants = [(o.ref, col, value, f"campaign {o.campaign}"
                  + (f" ({o.evidence})" if o.evidence else ""))
                 for o in camp.outcomes for col, value in o.cells().items()]
        if wants:
            _merge_extra(placement, merger, expired, wants)
            rows = after_rows(snap, plan)
    plan.freezes = freezes_due(snap, rows, ctx, today)
    plan.meta.update(new_wording(snap.meta, ctx.consent_wording))
    return AcademyPlan(plan, rows, camp, academy_metrics(snap, rows, plan.freezes, ctx, today),
                       apps)


def _merge(snap: TrackerSnapshot, p: Placement, ctx: PlanContext, merger: Merger,
           today: date) -> set[str]:
    """Merge every wanted cell, add the new rows, erase what must go. Returns the refs
    whose retention is over."""
    plan = merger.plan
    expired: set[str] = set()
    over: dict[int | None, bool] = {}  # retention_over per leaving year
    for ref in list(p.known_rows) + list(p.new_refs):
        if withdrawn(_effective(snap, p, ref, "contact_status"),
                     _effective(snap, p, ref, "consent")):
            p.erase.add(ref)
        year = p.leaving_year(ref)
        if year not in over:
            over[year] = retention_over(year, ctx.calendar, ctx.retention_grace_days, today)
        if over[year]:
            expired.add(ref)
    for ref, source in p.new_refs.items():
        values = {col: v for col, (v, _) in p.ours.get(ref, {}).items() if v}
        values["source"] = source
        for col in erased_keys(ref, p.erase, expired):
            values.pop(col, None)
        plan.new_rows.append(NewRow(ref, values, source))
        for col, v in values.items():
            plan.base_updates[(ref, col)] = v
    reconsented = (p.said_no - p.erase - expired) - set(p.new_refs)
    for ref in sorted(reconsented):
        given = {col: v for col, (v, _) in p.ours.get(ref, {}).items()}
        replace_contacts(ref, p.known_rows[ref], given, snap.base, plan)
    base = snap.base.get
    for ref, wanted in p.ours.items():
        if ref in p.new_refs:
            continue
        row = p.known_rows[ref]
        erased = CONTACT_KEYS if ref in reconsented else erased_keys(ref, p.erase, expired)
        for col, (ours, source) in wanted.items():
            # The merge's own first test, here: most cells say what was written last time.
            was = base((ref, col))
            if ours != was and (was is not None or ours) and col not in erased:
                merger.cell(ref, row.get(col, ""), col, ours, source)
    plan.erased = p.erase | expired
    erase_rows(sorted((p.erase | expired) - set(p.new_refs)), expired, p.erase,
               p.known_rows, snap.base, plan)
    return expired


def _applications(snap: TrackerSnapshot, c: CheckinPlacement, merger: Merger) -> None:
    for item in c.review:
        merger.add_review(item)
    merge_applications(snap, c.apps, merger.plan, merger.review_keys)
    for ref, value in c.markers.items():
        merger.plan.base_updates[(ref, MARKER)] = value
    merger.plan.meta.update(c.meta)
    for key, done in c.resolved.items():  # over ``settle``'s word on these rows
        if done is None:
            merger.plan.review_updates.pop(key, None)
        else:
            merger.plan.review_updates[key] = done


def _records(snap: TrackerSnapshot, p: Placement, erased: set[str]) -> list[ResponseRecord]:
    """The response records that changed. A response of a row whose contact details go
    keeps no parse (it holds their name), from the run that erases them, read or not;
    it is parsed in full whenever it is read again."""
    out = []
    for rid, rec in p.outcomes.items():
        if rec.parsed and rec.ref in erased:
            rec = replace(rec, parsed="")
        if snap.responses.get(rid) != rec:
            out.append(rec)
    if erased:
        out += [replace(rec, parsed="") for rid, rec in snap.responses.items()
                if rec.parsed and rec.ref in erased and rid not in p.outcomes]
    return out


def _effective(snap: TrackerSnapshot, p: Placement, ref: str, col: str) -> str:
    """A cell's value after the merge: a person's edit stands (the tracker differs from
    what destsync last wrote), otherwise this run's word on it."""
    theirs = p.known_rows.get(ref, {}).get(col, "")
    if ref in p.known_rows and theirs != snap.base.get((ref, col), ""):
        return theirs
    return p.current(ref, col)


def _merge_extra(p: Placement, merger: Merger, expired: set[str],
                 wants: Sequence[Want]) -> None:
    """Cells decided outside the responses (a campaign's outcome): merged like any other,
    unless a response or the roster already said something about that cell."""
    new_rows = {r.ref: r for r in merger.plan.new_rows}
    for ref, col, value, source in wants:
        if not p.row_exists(ref) or col in p.ours.get(ref, {}):
            continue
        p.want(ref, col, value, source)
        if col in erased_keys(ref, p.erase, expired):
            continue
        if ref in new_rows:
            if value:
                new_rows[ref].values[col] = value
                merger.plan.base_updates[(ref, col)] = value
        else:
            merger.cell(ref, p.known_rows[ref].get(col, ""), col, value, source)
