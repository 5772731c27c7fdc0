"""One run: read → plan → apply → record, per academy. The only place that sequences I/O."""

from __future__ import annotations

import logging
import re
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from destsync.config.settings import Config
from destsync.domain import questions
from destsync.domain.context import PlanContext
from destsync.domain.lease import LEASE_TTL
from destsync.domain.plan import Plan
from destsync.domain.roster_review import add_roster_problems
from destsync.domain.tombstone import screen
from destsync.errors import DestsyncError, MissingColumn, PartlyWritten
from destsync.service.metrics_output import publish_metrics
from destsync.service.outreach import (
    Mailing,
    Staged,
    allocate,
    check_templates,
    mailing,
    read_inbound,
    stage,
)
from destsync.service.ports import AcademyPorts, MetricsSink
from destsync.service.render import Renderer
from destsync.service.sending import SendReport, send_all
from destsync.service.withdrawal import follow_up, needs_follow_up, remove_leftovers

log = logging.getLogger("destsync.sync")


@dataclass
class RunResult:
    run_id: str
    # Each academy's plan counts (Plan.summary); the plans themselves only in a dry run,
    # which prints them: a real run keeps no academy's plan once it is written.
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    keep_plans: bool = False
    not_known: int = 0  # checkpoints recorded as NCCIS 820 or 830
    api_calls: dict[str, dict[str, int]] = field(default_factory=dict)
    emails_sent: int = 0
    sends: dict[str, SendReport] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # academy -> the lease's holder
    academy_calls: dict[str, dict[str, int]] = field(default_factory=dict)  # code -> calls
    send_calls: dict[str, dict[str, int]] = field(default_factory=dict)  # the sends' share
    read_back: Counter[str] = field(default_factory=Counter)  # late bounces, replies read
    # Cells the tracker found edited by a person at write time (code -> count): each is a
    # Review Conflict row the plan did not hold, so the plan's own counts miss them.
    write_conflicts: dict[str, int] = field(default_factory=dict)

    def add_sends(self, code: str, report: SendReport) -> None:
        self.sends[code] = report
        self.emails_sent += report.total_sent

    def summary(self) -> dict[str, Any]:
        # The plan's own counts, summed: an empty plan names them, so the two never drift.
        total: dict[str, Any] = {"run_id": self.run_id, **Plan(now="").summary()}
        for counts in self.counts.values():
            for key, value in counts.items():
                total[key] += value
        total["emails_sent"] = self.emails_sent
        by_campaign: Counter[str] = Counter()
        for r in self.sends.values():
            by_campaign.update(r.sent)
        total["emails_sent_by_campaign"] = dict(sorted(by_campaign.items()))
        total["emails_bounced"] = sum(r.bounced for r in self.sends.values())
        total["bounces_read"] = self.read_back["bounces_read"]
        total["replies_read"] = self.read_back["replies_read"]
        total["emails_recovered"] = sum(r.recovered for r in self.sends.values())
        total["emails_held_by_limit"] = sum(r.held for r in self.sends.values())
        total["mail_limit"] = next((r.limit for r in self.sends.values() if r.limit), "")
        total["not_known_recorded"] = self.not_known
        total["api_calls"] = {
            api: dict(sorted(methods.items())) for api, methods in sorted(self.api_calls.items())
        }
        total["academies"] = {
            code: {**counts, "api_calls": self.academy_calls.get(code, {}),
                   "api_calls_sending": self.send_calls.get(code, {})}
            for code, counts in self.counts.items()
        }
        total["skipped"] = dict(sorted(self.skipped.items()))
        total["conflicts_at_write"] = sum(self.write_conflicts.values())
        for code, n in self.write_conflicts.items():
            for counts in (total, total["academies"].get(code)):
                if counts is not None:
                    counts["conflicts"] += n
                    counts["review_items"] += n
        return total


def _codes(codes: list[str]) -> str:
    return codes[0] if len(codes) == 1 else f"{', '.join(codes[:-1])} and {codes[-1]}"


def _was(codes: list[str]) -> str:
    return f"{_codes(codes)} {'was' if len(codes) == 1 else 'were'}"


_NOTHING_WRITTEN = re.compile(r"^nothing was written[;,]?\s*|[;,]?\s*nothing was written")


def partly_written(exc: DestsyncError, written: list[str], rest: list[str]) -> PartlyWritten:
    """``exc`` with its claim that nothing was written made true for a run of several
    academies: each tracker write is all-or-nothing, but an earlier academy's write has
    already happened when a later one fails."""
    message = _NOTHING_WRITTEN.sub("", exc.message)
    hint = _NOTHING_WRITTEN.sub("", exc.hint)
    done = f"{_was(written)} written; {_was(rest)} not" if rest else f"{_was(written)} written"
    carry = (f"the next run carries on with {_codes(rest)}" if rest
             else "the next run carries on where this one stopped")
    return PartlyWritten(
        f"{message}; {done}", f"{hint}; {carry}" if hint else carry, exc.exit_code
    )


def prime_questions(p: AcademyPorts, meta: Mapping[str, str]) -> None:
    """Give a response source that finds questions by id (Google Forms) the ids stored
    by earlier runs; a source without ids (the CSV export) is left alone."""
    if hasattr(p.responses, "known_ids"):
        p.responses.known_ids = questions.stored_ids(meta)


def context_for(cfg: Config, code: str) -> PlanContext:
    slots = next((cfg.checkin.slots for a in cfg.academies if a.code == code and a.checkin), 0)
    return PlanContext(code, cfg.calendar, cfg.checkpoints, cfg.freeze_late_days,
                       cfg.retention_grace_days, cfg.timezone,
                       cfg.questions.get("consent", ""),
                       staff_consent_contacts=cfg.staff_consent_contacts, checkin_slots=slots)


def run_sync(
    cfg: Config,
    ports: list[AcademyPorts],
    now: datetime,
    dry_run: bool = False,
    step: Callable[[str], None] = lambda _: None,
    holder: str = "",
    metrics: MetricsSink | None = None,
) -> RunResult:
    """One run over ``ports``' academies. ``holder`` names this execution in each
    academy's lease (a dry run takes none: it writes nothing). ``metrics`` is the trust's
    shared Metrics tab, if the config names one; it is written after every tracker."""
    result = RunResult(run_id=uuid.uuid4().hex[:12], keep_plans=dry_run)
    renderer = Renderer(cfg.mail.templates)
    # A broken template stops the run here, before anything is written or sent.
    check_templates(cfg, renderer)
    held: list[AcademyPorts] = []
    holder = holder or f"run {result.run_id}"
    try:
        _run(cfg, ports, now, dry_run, step, holder, result, renderer, held, metrics)
    finally:
        for p in held:
            assert p.lease is not None
            try:
                p.lease.release(holder)
            except DestsyncError:
                # Never in place of the run's own error (its hint says what was written):
                # an unreleased lease only delays the next run until it expires.
                log.warning("%s: its lease could not be released; it expires within %s",
                            p.academy.code, LEASE_TTL,
                            extra={"academy": p.academy.code, "run_id": result.run_id})
        # Counted last, so the lease's release is in the figures too; summed over the
        # academies (each academy's own figures are in its entry).
        for p in ports:
            _count(result, p.api_calls)
            result.academy_calls[p.academy.code] = dict(sorted(p.api_calls.items()))
        if metrics is not None:  # the trust's shared tab: in no academy's own figures
            _count(result, metrics.api_calls)
    return result


def _count(result: RunResult, calls: Counter[str]) -> None:
    for key, n in sorted(calls.items()):
        api, _, method = key.partition(".")
        methods = result.api_calls.setdefault(api, {})
        methods[method] = methods.get(method, 0) + n


def _take(p: AcademyPorts, holder: str, result: RunResult,
          held: list[AcademyPorts]) -> bool:
    if p.lease is None:
        return True
    # The wall clock, not the run's ``now``: --now replays a date, leases are about today.
    other = p.lease.acquire(holder, datetime.now(UTC), LEASE_TTL)
    if other is not None:
        # Not a failure: the other execution is doing this academy's work right now.
        result.skipped[p.academy.code] = other
        log.warning("%s: skipped, another run holds its lease (%s)", p.academy.code, other,
                    extra={"academy": p.academy.code, "run_id": result.run_id})
        return False
    held.append(p)
    return True


def _run(cfg: Config, ports: list[AcademyPorts], now: datetime, dry_run: bool,
         step: Callable[[str], None], holder: str, result: RunResult, renderer: Renderer,
         held: list[AcademyPorts], metrics: MetricsSink | None) -> None:
    """Academies one at a time: read, plan, write, and keep only what the sends need;
    then the trust's daily cap over every academy's due messages, and the sends. So the
    run holds one academy's tracker at a time, and the cap's priority order is the
    trust's, exactly as if every academy had been planned before any was written."""
    mail: list[tuple[AcademyPorts, Mailing]] = []
    own_metrics: dict[str, list[list[str]]] = {}
    inboxes: dict[str, Any] = {}  # each sending mailbox's mail, read once per run
    written: list[str] = []
    for i, p in enumerate(ports):
        code = p.academy.code
        if not dry_run and not _take(p, holder, result, held):
            continue
        try:
            if not dry_run:
                remove_leftovers(p)
            st = _plan_one(cfg, p, now, step, result, inboxes)
            own_metrics[code] = st.metrics
            m = mailing(cfg, st, now)
            if not dry_run:
                _write_one(p, st, result, step, written,
                           last=p.mailer is None or not (m.due or m.stale), holder=holder)
            mail.append((p, m))
        except DestsyncError as exc:
            rest = [q.academy.code for q in ports[i:] if q.academy.code not in written]
            if not written or (written == [code] and not rest):
                raise  # the adapter's own words are true: one academy, or nothing written
            raise partly_written(exc, written, rest) from exc
        forget = getattr(p.tracker, "forget_read", None)
        if callable(forget):  # what only planning and the main write needed
            forget()
        del st  # the snapshot and the plan: the next academy's take their place
    allocate(cfg, renderer, [m for _, m in mail])
    for p, m in mail:
        counts = result.counts[p.academy.code]
        counts["emails_due"], counts["emails_deferred"] = len(m.messages), len(m.deferred)
        if p.academy.code in result.plans:  # a dry run shows what would go
            result.plans[p.academy.code].messages = m.messages
            result.plans[p.academy.code].deferred = m.deferred
        if dry_run or p.mailer is None or not (m.messages or m.stale):
            continue
        try:
            _send_one(cfg, p, m, now, step, result)
        except DestsyncError as exc:
            if len(written) <= 1:
                raise
            raise partly_written(exc, written, []) from exc
    if metrics is not None and own_metrics and not dry_run:
        step("writing the trust's Metrics tab")
        try:
            publish_metrics(metrics, own_metrics)
        except DestsyncError as exc:
            raise (partly_written(exc, written, []) if written else exc) from exc


def _plan_one(cfg: Config, p: AcademyPorts, now: datetime, step: Callable[[str], None],
              result: RunResult, inboxes: dict[str, Any]) -> Staged:
    code = p.academy.code
    step(f"{code}: reading")
    try:
        snap = p.tracker.read()
    except MissingColumn as exc:
        # Only here is the academy known; its code is what the config section shows.
        raise exc.for_academy(code) from None
    # An erased student (tombstone) and a row staff deleted do not come back.
    prime_questions(p, snap.meta)
    screened = screen(snap, p.roster.read(), p.responses.read(None))
    back = read_inbound(p.mailer, snap, inboxes)
    result.read_back.update(bounces_read=back.bounced, replies_read=back.replies)
    step(f"{code}: planning")
    # Check-ins of an erased student are set aside by their tombstone, as Form A's are.
    checkins = screen(snap, [], p.checkin.read(None)).responses if p.checkin else []
    st = stage(cfg, p.academy, context_for(cfg, code), snap, screened.roster,
               screened.responses, now, back, checkins)
    st.plan.review.extend(screened.review)
    # A roster adapter may leave out a bad row and say so (``problems``): on Review.
    add_roster_problems(st.plan, getattr(p.roster, "problems", ()), snap.review_keys)
    questions.remember(st.plan, snap.meta, getattr(p.responses, "resolved_ids", {}),
                       getattr(p.responses, "renamed", {}))
    if p.mailer is None:
        st.camp.due.clear()
    st.plan.ledger = list(st.inbound)  # bounces and replies read back; pending ones: later
    result.counts[code] = st.plan.summary()
    result.not_known += sum(1 for c in st.plan.changes
                            if c.source.startswith("campaign ") and c.column.endswith("_nccis"))
    if result.keep_plans:
        result.plans[code] = st.plan
    return st


def _write_one(p: AcademyPorts, st: Staged, result: RunResult, step: Callable[[str], None],
               written: list[str], last: bool, holder: str) -> None:
    """``last``: nothing is sent for this academy, so unless the withdrawal follow-up has
    work, the lease may go with the write's last request (a Sheets lease can)."""
    code, plan = p.academy.code, st.plan
    ride = getattr(p.lease, "release_with_write", None)
    if last and callable(ride) and not needs_follow_up(plan, st.snap.meta):
        ride(holder)
    if not plan.is_empty():
        step(f"{code}: writing")
        late = p.tracker.apply(plan, result.run_id)
        if late:
            result.write_conflicts[code] = late
        written.append(code)
    follow_up(p, plan, st.snap.meta)
    counts = result.counts[code]
    log.info("%s: synced: %d responses read, %d rows added, %d cells updated, "
             "%d review items, %d returns frozen", code,
             counts["responses_read"], counts["rows_added"], counts["cells_updated"],
             counts["review_items"], counts["returns_frozen"],
             extra={"academy": code, "run_id": result.run_id, "counts": counts})


def _send_one(cfg: Config, p: AcademyPorts, m: Mailing, now: datetime,
              step: Callable[[str], None], result: RunResult) -> None:
    """Phase one of exactly-once (the pending rows, durable), then the sends."""
    assert p.mailer is not None
    code = p.academy.code
    step(f"{code}: sending {len(m.messages)} emails")
    before = Counter(p.api_calls)
    try:
        if m.pending:
            p.tracker.record_ledger(m.pending, last=False)
        report = send_all(m.messages, m.stale, m.recovering, p.tracker, p.mailer, now,
                          cfg.mail.send_batch, m.ledger)
    finally:
        close = getattr(p.mailer, "close", None)
        if callable(close):
            close()
        result.send_calls[code] = dict(sorted((Counter(p.api_calls) - before).items()))
    result.add_sends(code, report)
    log.info("%s: %d emails sent", code, report.total_sent,
             extra={"academy": code, "run_id": result.run_id,
                    "emails_sent": report.total_sent})
