"""Which messages are due, and which checkpoints are now "not known": the pure planner.

Data and a date in, values out; no I/O. The ledger (``TrackerSnapshot.ledger``) is the
memory: one entry per message, keyed ``campaign/cycle/ref/attempt``. Rules:

- Contact a student only with consent "Yes", no withdrawal, no "Do not contact", and an
  email address. Parents (Form B) are contacted unless the student withdrew or staff
  marked the row "Do not contact".
- Stop as soon as a response for the campaign's checkpoint is in the tracker.
- Attempt n is due ``spacing_days[n-1]`` days after the window opens, and never sooner
  after attempt n-1 than the spacing between them (so a late start keeps the gaps).
- A bounce is a failed attempt. A checkpoint becomes "not known" only once every attempt
  the campaign calls for has been made and the grace period after the last one (or after
  the window's close) has passed with no response. Then it is NCCIS 810 "not known", or
  820 "cannot be contacted" when there is evidence of it: every contact route bounced
  (the last attempt to the email address bounced and there is no phone number). A
  leaver with no contact route at all is 820 once the window and its grace are over. A
  student who refuses after being contacted is 830: a refusal ends the attempts.
  Too few attempts (runs too sparse, a late start) leave the checkpoint blank, which no
  report counts as known.
- A checkpoint already holding a not-known code keeps it: codes an older rule wrote
  (820 after one attempt) are left as they are; a person may correct them.
- Leaving points: a Year 11 leaver gets the leavers' campaign only, up to six weeks after
  results day (the policy); a mid-year leaver gets none (staff record where they went);
  Form B goes to the parents of Year 12 and 13 students only.
- A message left "pending" by a crashed run is planned again under the same key; the send
  phase asks the mailer whether it went before sending it (see sending.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from destsync.domain import vocab
from destsync.domain.answers import STOP_ANSWER
from destsync.domain.calendar import AcademicCalendar, results_day
from destsync.domain.checkin_campaign import checked_in, current_rows
from destsync.domain.consent import STAFF, channel_in, version_in
from destsync.domain.contact_plan import Campaign
from destsync.domain.interventions import flagged_today
from destsync.domain.leaving import MIDYEAR, YEAR11, YEAR13, point_of
from destsync.domain.ledger_time import after
from destsync.domain.model import LedgerEntry, RosterEntry

SENT_STATES = ("sent", "bounced")  # an attempt that was made, whatever came of it
NO_CONTACT = ("Do not contact", "Consent withdrawn")
REFUSING = ("No", "Withdrawn")
NOT_KNOWN_CODES = frozenset(str(code) for code in vocab.NOT_KNOWN_CODES)
YEAR11_CONTACT_DAYS = 42  # six weeks after results day (the destinations policy)


@dataclass(frozen=True)
class DueMessage:
    """A message the rules call for; the service renders it into an OutgoingMessage."""

    key: str
    ref: str  # the student's Ref, or the academy code for the staff digest
    campaign: Campaign
    cycle: str
    attempt: int
    to: tuple[str, ...]
    recovering: bool = False  # left pending by a crashed run
    support: bool = False  # to a student a results-day flag names (``interventions``)

    @property
    def sort_key(self) -> tuple[int, int, int, int, str]:
        """The priority order when the daily cap bites: a crashed run's pending ones; then
        campaign priority (lower first); then students who need support; then later
        attempts (their window closes sooner); then by key, so the order is stable."""
        return (0 if self.recovering else 1, self.campaign.priority,
                0 if self.support else 1, -self.attempt, self.key)


@dataclass(frozen=True)
class Outcome:
    """A checkpoint that ended without a response: NCCIS 810, 820 or 830 (see above)."""

    ref: str
    group: str
    code: int
    campaign: str
    evidence: str = ""  # what an 820 rests on, for the Change log: the bounced attempt

    def cells(self) -> dict[str, str]:
        return {
            f"{self.group}_destination": vocab.NCCIS_LABELS[self.code],
            f"{self.group}_nccis": str(self.code),
        }


@dataclass
class CampaignPlan:
    due: list[DueMessage] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # pending keys no longer due
    # "campaign ref (n left)": attempts the window cannot hold at their spacing, for the
    # digest; the checkpoint stays blank rather than become not known without them.
    short: list[str] = field(default_factory=list)


def ledger_key(campaign: str, cycle: str, ref: str, attempt: int) -> str:
    return f"{campaign}/{cycle}/{ref}/{attempt}"


def parse_key(key: str) -> tuple[str, str, str, int]:
    campaign, cycle, ref, attempt = key.rsplit("/", 3)
    return campaign, cycle, ref, int(attempt)


def message_id(key: str) -> str:
    """A deterministic Message-ID: the same message always carries the same id, which is
    what lets a mailer find out after a crash whether it already went."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@destsync.invalid>"


def prefill_link(responder_url: str, entry: str, ref: str,
                 extra: tuple[tuple[str, str], ...] = ()) -> str:
    """The personal Form A link: the reference question prefilled with the student's Ref,
    so the answer matches with certainty (and any ``extra`` entry=value pairs). Without an
    entry id, the plain form."""
    if not entry:
        return responder_url
    from urllib.parse import quote

    sep = "&" if "?" in responder_url else "?"
    pairs = "".join(f"&{quote(k)}={quote(v)}" for k, v in ((entry, ref), *extra))
    return f"{responder_url}{sep}usp=pp_url{pairs}"


def stop_link(responder_url: str, reference_entry: str, consent_entry: str, ref: str) -> str:
    """The one-click stop: Form A with the Ref and the consent answer "No, stop contacting
    me" filled in, so one Submit is a withdrawal the next sync acts on. No web server is
    needed; "" unless both entry ids are known (without the Ref it could not be matched)."""
    if not (reference_entry and consent_entry):
        return ""
    return prefill_link(responder_url, reference_entry, ref, ((consent_entry, STOP_ANSWER),))


@dataclass(frozen=True)
class Audience:
    """The planner's view of one academy for one run."""

    code: str
    staff_to: tuple[str, ...]
    calendar: AcademicCalendar
    rows: Mapping[str, Mapping[str, str]]  # the tracker after this run's changes
    roster: Sequence[RosterEntry]
    ledger: Mapping[str, LedgerEntry]
    # Consent wordings on record (``domain.consent``); None: not checked. A "Yes" whose
    # evidence names a wording destsync has no record of is not consent to contact.
    versions: frozenset[str] | None = None
    # The Applications tab and the rows as this run read them: results-day flags.
    applications: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    before: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # A "Yes" staff recorded carries no wording destsync showed: it lets destsync make
    # contact only when the trust says so (``trust.staff_consent_contacts``).
    staff_counts: bool = False

    def contact_consented(self, row: Mapping[str, str]) -> bool:
        """Whether the row's "Yes" is consent destsync may act on: under a known wording,
        and not recorded by staff alone unless the trust counts that."""
        text = row.get("consent_evidence", "")
        if channel_in(text) == STAFF and not self.staff_counts:
            return False
        v = version_in(text)
        return self.versions is None or not v or v in self.versions


def plan_campaigns(campaigns: Iterable[Campaign], aud: Audience, now: datetime) -> CampaignPlan:
    out = CampaignPlan()
    today = now.date()
    by_prefix: dict[str, dict[int, LedgerEntry]] = {}
    for entry in aud.ledger.values():
        try:
            name, cycle, ref, n = parse_key(entry.key)
        except ValueError:
            continue  # a row someone typed into the hidden tab: not ours to act on
        by_prefix.setdefault(f"{name}/{cycle}/{ref}", {})[n] = entry
    for c in campaigns:
        for person in _people(c, aud, today):
            done = by_prefix.get(f"{c.key}/{person.cycle}/{person.ref}", {})
            _plan_person(c, person, done, today, out)
    due_keys = {m.key for m in out.due}
    for entry in aud.ledger.values():
        if entry.state == "pending" and entry.key not in due_keys:
            out.stale.append(entry.key)
    return out


@dataclass(frozen=True)
class _Person:
    ref: str
    cycle: str
    to: tuple[str, ...]
    start: date
    end: date
    eligible: bool
    refusing: bool
    responded: bool
    group: str  # where a not-known outcome goes; "" when the campaign has none
    has_phone: bool = False  # a route destsync cannot try, so not evidence of 820
    settled: bool = False  # the checkpoint already holds a not-known code


def _people(c: Campaign, aud: Audience, today: date) -> Iterable[_Person]:
    # This year's window, and last year's while its grace period may still be running.
    for year in (today.year - 1, today.year):
        start, end = c.window.dates(year)
        if today < start:
            continue
        if c.audience == "staff":
            if year == today.year:
                iso = today.isocalendar()
                # A results-day flag raised today gets a digest today, not next week.
                cycle = today.isoformat() if flagged_today(
                    aud.rows, aud.applications, aud.calendar, today, aud.before) \
                    else f"{iso.year}-W{iso.week:02d}"
                yield _Person(aud.code, cycle, aud.staff_to, today,
                              today, bool(aud.staff_to), False, False, "")
            continue
        if c.audience == "parents":
            yield from _parents(c, aud, year, start, end)
            continue
        if c.audience == "current":  # still at school: the termly check-in reminder
            for ref, row in current_rows(aud.roster, aud.rows, aud.calendar, start):
                email, status = row.get("email", ""), row.get("contact_status", "")
                refusing = row.get("consent", "") in REFUSING or status in NO_CONTACT
                yield _Person(ref, str(year), (email,) if email else (), start, end,
                              row.get("consent", "") == "Yes" and aud.contact_consented(row)
                              and not refusing and bool(email), refusing,
                              checked_in(row, start), "")
            continue
        for ref, row in aud.rows.items():
            leaving = row.get("leaving_year", "")
            if not leaving.isdigit():
                continue
            years_out, point, stop = year - int(leaving), point_of(row), end
            groups: tuple[str, ...]
            since: date | None
            if point == MIDYEAR or (point == YEAR11 and c.audience != "leavers"):
                continue  # staff record where a mid-year leaver went; Year 11: see below
            if point == YEAR11:  # the policy: in contact up to six weeks after results day
                stop = min(end, results_day(year) + timedelta(days=YEAR11_CONTACT_DAYS))
            if c.audience == "alumni" and years_out in c.years:
                group, groups, since = f"year{years_out}", (f"year{years_out}",), None
            elif c.audience == "leavers" and years_out == 0:
                group, groups, since = "actual", ("intended", "actual"), results_day(year)
            else:
                continue
            email = row.get("email", "")
            status = row.get("contact_status", "")
            refusing = row.get("consent", "") in REFUSING or status in NO_CONTACT
            yield _Person(
                ref, str(year), (email,) if email else (), start, stop,
                row.get("consent", "") == "Yes" and aud.contact_consented(row) and not refusing
                and bool(email), refusing,
                _responded(row, groups, group, since), group,
                bool(row.get("phone", "").strip()),
                row.get(f"{group}_nccis", "") in NOT_KNOWN_CODES,
            )


def _parents(c: Campaign, aud: Audience, year: int, start: date, end: date) -> Iterable[_Person]:
    ay = aud.calendar.academic_year(start)
    for e in aud.roster:
        # Year 13 this academic year leaves in ay+1, Year 12 in ay+2. The leaving year is
        # the authority: an MIS year group can be a year stale after the summer roll-over.
        if (e.leaving_year not in (ay + 1, ay + 2) or e.year_group not in (None, 12, 13)
                or e.leaving_point != YEAR13):  # Form B is for sixth-formers' parents
            continue
        row = aud.rows.get(e.ref, {})
        email = row.get("parent_email", "") or e.parent_email
        withdrawn = row.get("contact_status", "") in NO_CONTACT or row.get("consent") == "Withdrawn"
        yield _Person(e.ref, str(ay), (email,) if email else (), start, end,
                      bool(email) and not withdrawn, False, False, "")


def _responded(row: Mapping[str, str], groups: tuple[str, ...], group: str,
               since: date | None) -> bool:
    for g in groups:
        updated = row.get(f"{g}_updated", "")
        if updated and (since is None or updated >= since.isoformat()):
            return True
    # A destination a person typed in (after a phone call, say) counts as a response;
    # a not-known code destsync wrote does not.
    return has_destination(row, group)


def has_destination(row: Mapping[str, str], group: str) -> bool:
    """A destination is known for this checkpoint (not one of the not-known codes)."""
    return bool(row.get(f"{group}_destination")) and (
        row.get(f"{group}_nccis", "") not in NOT_KNOWN_CODES
    )


def _plan_person(
    c: Campaign, p: _Person, done: Mapping[int, LedgerEntry], today: date, out: CampaignPlan
) -> None:
    if any(e.state == "replied" for e in done.values()):
        return  # they wrote back (mailback): staff read it on Review; no reminder, no code
    made = sorted(n for n, e in done.items() if e.state in SENT_STATES)
    pending = sorted(n for n, e in done.items() if e.state == "pending")
    if pending:
        # A crashed run decided to send this; finish the job unless the rules now say no.
        if p.eligible and not p.responded:
            n = pending[0]
            out.due.append(DueMessage(ledger_key(c.key, p.cycle, p.ref, n), p.ref, c, p.cycle,
                                      n, p.to, recovering=True))
        return
    # A time that cannot be read (the hidden ledger edited by hand) counts as today: the
    # cautious reading, which waits the full spacing and grace rather than skipping them.
    last = max((_day(done[n].at) or today for n in made), default=None)
    if p.group and not p.responded and not p.settled:
        code = not_known_code(c, p, [done[n].state for n in made], last, today)
        if code is not None:
            bounced = code == vocab.CANNOT_BE_CONTACTED and bool(made)
            evidence = (f"bounced: {ledger_key(c.key, p.cycle, p.ref, made[-1])}"
                        if bounced else "")
            out.outcomes.append(Outcome(p.ref, p.group, code, c.key, evidence))
            return
    n = len(made) + 1
    if n > c.attempts or not p.eligible or p.responded:
        return
    due = p.start + timedelta(days=c.spacing_days[n - 1])
    if last is not None and n >= 2:
        due = max(due, last + timedelta(days=c.spacing_days[n - 1] - c.spacing_days[n - 2]))
    # When the last attempt would go, this one going on its day or today (a late start
    # keeps the gaps): past the window's end means the window cannot hold them all.
    final = max(due, today) + timedelta(days=c.spacing_days[-1] - c.spacing_days[n - 1])
    if final > p.end and today <= p.end + timedelta(days=c.grace_days):
        out.short.append(f"{c.key} {p.ref} ({c.attempts - n + 1} left)")
    if today > p.end:
        return
    if due <= today:
        out.due.append(DueMessage(ledger_key(c.key, p.cycle, p.ref, n), p.ref, c, p.cycle, n,
                                  p.to))


def not_known_code(c: Campaign, p: _Person, made: Sequence[str], last: date | None,
                   today: date) -> int | None:
    """The not-known code a checkpoint ends with today, or None while it must wait.
    ``made`` holds the states of the attempts made, in order; ``last`` the latest's day."""
    if made and p.refusing:
        return vocab.REFUSED  # they said no: the rules call for no more attempts
    closed = today > p.end + timedelta(days=c.grace_days)
    if not made:
        return vocab.CANNOT_BE_CONTACTED if closed and no_route(p) else None
    if not attempts_exhausted(c, len(made), last, today, closed):
        return None
    return vocab.CANNOT_BE_CONTACTED if every_route_bounced(p, made) else vocab.NOT_KNOWN


def attempts_exhausted(c: Campaign, made: int, last: date | None, today: date,
                       closed: bool) -> bool:
    """Every attempt the campaign calls for was made, and the grace period after the last
    one (or after the window's close, if its time cannot be read) is over."""
    if made < c.attempts:
        return False
    return closed or (last is not None and today >= last + timedelta(days=c.grace_days))


def no_route(p: _Person) -> bool:
    """No email address and no phone number: nobody can reach this leaver."""
    return not p.to and not p.has_phone and not p.refusing


def every_route_bounced(p: _Person, made: Sequence[str]) -> bool:
    """The email address stopped working (its latest attempt bounced) and there is no
    other route: a phone number is one staff can still try."""
    return bool(made) and made[-1] == "bounced" and not p.has_phone


def _day(at: str) -> date | None:
    try:
        return datetime.fromisoformat(at).date()
    except ValueError:
        return None


def sent_since(ledgers: Iterable[Mapping[str, LedgerEntry]], since: datetime) -> int:
    """Messages that went out after ``since``, over every academy's ledger: the mailbox's
    daily limit is shared by the whole trust. Strictly after: a message sent at T no
    longer counts at T + 24 h, so a run at the same time the next day has the whole cap
    (at or after, a daily run at a fixed time sent a backlog only every other day)."""
    return sum(1 for ledger in ledgers for e in ledger.values()
               if e.state == "sent" and after(e.at, since))


def apply_cap(
    due: Sequence[DueMessage], already_sent: int, cap: int
) -> tuple[list[DueMessage], list[DueMessage]]:
    """Split due messages into (send now, defer to the next run) in priority order."""
    room = max(0, cap - already_sent)
    ordered = sorted(due, key=lambda m: m.sort_key)
    return ordered[:room], ordered[room:]
