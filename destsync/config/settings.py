"""TOML config → frozen, validated objects. Nothing here connects to anything.

Paths in the file are relative to the file itself, so ``config/example.toml`` runs from
any working directory.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from destsync.config.checkin import CHECKIN_CAMPAIGNS, CheckinForm, parse_checkin
from destsync.config.google import DEFAULT_QUOTA as DEFAULT_QUOTA  # re-exported
from destsync.config.google import GoogleSettings as GoogleSettings  # re-exported
from destsync.config.google import parse_google
from destsync.config.interventions import parse_interventions
from destsync.config.local_authority import parse_local_authority
from destsync.config.mail import (
    MailSettings,
    _looks_like_email,
    default_mail,
    parse_campaigns,
    parse_mail,
)
from destsync.config.metrics import MetricsSettings, parse_metrics
from destsync.config.reader import TableReader, config_path, to_date
from destsync.domain.calendar import DEFAULT_CHECKPOINTS, AcademicCalendar, Checkpoint
from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS, Campaign
from destsync.domain.interventions import SupportDates
from destsync.domain.model import COLUMN_BY_KEY, FORM_FIELDS, GROUPS, LEAVING_POINTS
from destsync.errors import ConfigError

DEFAULT_QUESTIONS: dict[str, str] = {
    "reference": "Your reference (filled in for you - please leave it as it is)",
    "name": "Name",
    "dob": "Date of Birth",
    "leaving_year": "Year of leaving school",
    "email": "Personal Email",
    "phone": "Telephone number",
    "destination": "What have you secured to do after leaving our academy?",
    "course": "Subject / Course / job title",
    "level": "Level of study",
    "provider": "College / University / Employer name",
    "start_date": "Start date",
    "duration": "Expected duration",
    "consent": (
        "Do you agree to us storing your personal email and phone number and contacting "
        "you about your destination for the next three years?"
    ),
}
DEFAULT_ROSTER_COLUMNS: dict[str, str] = {
    "ref": "Admission number",
    "forename": "Forename",
    "surname": "Surname",
    "dob": "Date of birth",
    "leaving_year": "Leaving year",
    "parent_email": "Parent/carer email",
    "s72_opt_out": "Section 72 opt-out",
    "year_group": "Year group",
    "leaving_point": "Leaving point",  # optional: Year 13 when the roster has no such column
    "left_on": "Left on",  # optional: the day a mid-year leaver left
}
RESPONSE_BACKENDS = ("csv", "google_forms")
TRACKER_BACKENDS = ("xlsx", "google_sheets")


@dataclass(frozen=True)
class Backend:
    kind: str
    path: Path | None = None  # local file backends
    remote_id: str = ""  # form id or spreadsheet id


@dataclass(frozen=True)
class Academy:
    code: str
    name: str
    careers_email: str
    responses: Backend
    tracker: Backend
    roster_path: Path | None
    roster_columns: dict[str, str]
    headers: dict[str, str]  # column key -> header name in this academy's tracker
    roster_tab: str = ""  # a tab of the tracker's spreadsheet holding the MIS export
    checkin: Backend | None = None  # the termly check-in's answers (issue 16); None: none


@dataclass(frozen=True)
class Config:
    file: Path
    trust_name: str
    calendar: AcademicCalendar
    checkpoints: tuple[Checkpoint, ...]
    questions: dict[str, str]
    responder_url: str
    academies: tuple[Academy, ...]
    timezone: str = "Europe/London"
    freeze_late_days: int = 14
    retention_grace_days: int = 180
    staff_consent_contacts: bool = False  # a staff-recorded "Yes" alone lets destsync email
    mail: MailSettings = field(default_factory=default_mail)
    campaigns: tuple[Campaign, ...] = DEFAULT_CAMPAIGNS
    reference_entry: str = ""  # the prefill key of the reference question, "entry.123"
    consent_entry: str = ""  # the consent question's, for the stop link
    google: GoogleSettings = field(default_factory=GoogleSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    la_columns: dict[str, str] = field(default_factory=dict)  # the LA's own headers
    support: SupportDates = field(default_factory=SupportDates)  # [interventions] dates
    checkin: CheckinForm = field(default_factory=CheckinForm)


def load_config(path: str | Path) -> Config:
    file = Path(path)
    try:
        # utf-8-sig: Windows Notepad saves "UTF-8 with BOM", and tomllib reads a BOM as a
        # syntax error at line 1, column 1, which sends people looking for a typo.
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {file} does not exist", "pass --config with the path to your .toml"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"config file {file} is a folder", "pass --config with the path to the .toml inside it"
        ) from None
    except PermissionError:
        raise ConfigError(
            f"config file {file} cannot be read: permission denied",
            "give the account that runs destsync read access to it",
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {file} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
            f"position {exc.start})",
            "save it as UTF-8 (in Notepad: Save As, Encoding: UTF-8)",
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"config file {file} cannot be read ({type(exc).__name__})", "check the file"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}", "fix the syntax at that line") from None
    return parse_config(data, file)


def parse_config(data: dict[str, object], file: Path) -> Config:
    root = TableReader(dict(data), "", file)
    trust = root.table("trust", required=True)
    trust_name = trust.text("name")
    timezone = trust.text("timezone", "Europe/London")
    # Checked here, not at first use: an unknown zone used to surface mid-run as an
    # unexpected ZoneInfoNotFoundError (exit 1) instead of a config error.
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise trust.error(
            "timezone", f"is {timezone!r}, not a known time zone", 'write "Europe/London"'
        ) from None
    late_days = trust.integer("freeze_late_days", 14, 0, 366)
    # Contact details are erased this many days after the year-3 check ends (31 March,
    # four years after leaving); anonymised destinations stay.
    grace_days = trust.integer("retention_grace_days", 180, 0, 3 * 366)
    # Off by default: a staff "Yes" has no wording destsync showed the student, and
    # contact happens only under a consent of a known wording (README, consent).
    staff_contacts = trust.flag("staff_consent_contacts", False)
    trust.done()

    cal_t = root.table("calendar")
    starts_t = cal_t.table("autumn_term_starts")
    starts: dict[int, date] = {}
    for key in starts_t.keys():
        if not key.isdigit():
            raise starts_t.error(key, "is not a year", 'write "2026" = 2026-09-02')
        d = to_date(starts_t, key, starts_t.raw(key))
        if d.year != int(key) or d.month not in (8, 9):
            raise starts_t.error(key, f"{d} is not in August or September of {key}", "fix it")
        starts[int(key)] = d
    starts_t.done()
    cal_t.done()

    # A leaving point the config lists no checkpoint for keeps its defaults.
    own = _checkpoints(root)
    checkpoints = own + tuple(d for d in DEFAULT_CHECKPOINTS
                              if d.point not in {cp.point for cp in own})

    form = root.table("form_a")
    responder_url = form.text("responder_url", "https://docs.google.com/forms/d/e/FORM_ID/viewform")
    questions = {**DEFAULT_QUESTIONS, **form.renames(
        "questions", FORM_FIELDS, "a Form A field", f"use one of {', '.join(FORM_FIELDS)}")}
    reference_entry, consent_entry = (_entry(form, k) for k in ("reference_entry",
                                                               "consent_entry"))
    form.done()

    academies = tuple(_academy(a, file) for a in root.tables("academies"))
    if not academies:
        raise root.error("academies", "is missing", "add at least one [[academies]] section")
    _distinct_academies(root, academies)
    mail = parse_mail(root, file)
    campaigns = parse_campaigns(root)
    checkin = parse_checkin(root)
    if not root.has("campaigns") and any(a.checkin for a in academies):
        campaigns += CHECKIN_CAMPAIGNS  # the default plan gains the termly reminders
    google = parse_google(root.table("google"), file)
    metrics = parse_metrics(root, file)
    la_columns = parse_local_authority(root)
    support = parse_interventions(root)
    if root.has("columns"):
        # The tracker's "rename the header, or set columns.<key>" hint leads people to a
        # top-level [columns] table; say where it belongs instead of "remove it".
        raise root.error(
            "columns", "is not a setting at the top level",
            'put it in the academy\'s [[academies]] section: columns = { email = "New header" }',
        )
    root.done()
    return Config(
        file=file,
        trust_name=trust_name,
        calendar=AcademicCalendar(starts),
        checkpoints=checkpoints,
        questions=questions,
        responder_url=responder_url,
        academies=academies,
        timezone=timezone,
        freeze_late_days=late_days,
        retention_grace_days=grace_days,
        staff_consent_contacts=staff_contacts,
        mail=mail,
        campaigns=campaigns,
        reference_entry=reference_entry,
        consent_entry=consent_entry,
        google=google,
        metrics=metrics,
        la_columns=la_columns,
        support=support,
        checkin=checkin,
    )


def _entry(form: TableReader, key: str) -> str:
    """A prefill key, "entry.<n>", as `destsync setup` prints it."""
    value = form.opt_text(key)
    if value and not re.fullmatch(r"entry\.\d+", value):
        raise form.error(key, f"is {value!r}", 'copy it from a prefilled link: "entry.123456789"')
    return value


def _distinct_academies(root: TableReader, academies: tuple[Academy, ...]) -> None:
    """Each academy needs its own code and its own tracker: the tabs and hidden state tabs
    have fixed names, so two academies on one workbook or sheet overwrite each other's
    state (and a second write then fails half-way through the run)."""
    codes: dict[str, int] = {}
    trackers: dict[object, int] = {}
    for i, a in enumerate(academies):
        if a.code in codes:
            raise root.error(
                f"academies[{i}].code", f"{a.code!r} is already academies[{codes[a.code]}].code",
                "give each academy its own code",
            )
        codes[a.code] = i
        where = (a.tracker.kind, a.tracker.path or a.tracker.remote_id)
        if where in trackers:
            raise root.error(
                f"academies[{i}].tracker", f"is the same tracker as academies[{trackers[where]}]",
                "give each academy its own tracker workbook or spreadsheet",
            )
        trackers[where] = i


def _checkpoints(root: TableReader) -> tuple[Checkpoint, ...]:
    out = []
    groups = {key for key, _ in GROUPS}
    for t in root.tables("checkpoints"):
        key, label, group = t.text("key"), t.text("label"), t.text("group")
        if group not in groups:
            raise t.error("group", f"is {group!r}", f"use one of {', '.join(sorted(groups))}")
        deadline = t.text("deadline")
        if deadline != "autumn_week2":
            try:
                month, day = (int(p) for p in deadline.split("-"))
                date(2001, month, day)  # a non-leap year: 02-29 would be impossible half the time
            except ValueError:
                raise t.error(
                    "deadline", f"{deadline!r} is not a day of the year", 'write "MM-DD"'
                ) from None
        point = t.opt_text("point") or "year13"  # a config from before leaving points
        if point not in dict(LEAVING_POINTS):
            raise t.error("point", f"is {point!r}", f"use one of {', '.join(dict(LEAVING_POINTS))}")
        cp = Checkpoint(key, label, group, deadline, t.integer("years_after", 0, 0, 4),
                        t.flag("needs_validation", False), point, t.flag("offer", False))
        t.done()
        out.append(cp)
    return tuple(out)


def _academy(t: TableReader, file: Path) -> Academy:
    code = t.text("code")
    if not code.replace("_", "").replace("-", "").isalnum() or len(code) > 12:
        raise t.error("code", f"{code!r} is not a short code", "use letters and digits, e.g. OAK")
    name = t.text("name")
    careers_email = t.opt_text("careers_email").strip()
    if careers_email and not _looks_like_email(careers_email):
        # It is the From, the digest's recipient and every letter's "stop contact" address:
        # a typo here used to pass `check` and show up only as a bounced digest.
        raise t.error(
            "careers_email", f"{careers_email!r} is not an email address", "write name@domain"
        )
    responses = _backend(t.table("responses", required=True), file, RESPONSE_BACKENDS, "form_id")
    tracker = _backend(t.table("tracker", required=True), file, TRACKER_BACKENDS, "spreadsheet_id")
    checkin = (_backend(t.table("checkin"), file, RESPONSE_BACKENDS, "form_id")
               if t.has("checkin") else None)
    roster_t = t.table("roster")
    roster_path = (config_path(roster_t, "path", file, must_exist=True)
                   if roster_t.has("path") else None)
    roster_tab = roster_t.opt_text("tab")
    if roster_tab and roster_path is not None:
        raise roster_t.error("tab", "is set as well as roster.path",
                             "keep one: a CSV file (path) or a tab of the tracker (tab)")
    if roster_tab and tracker.kind != "google_sheets":
        raise roster_t.error("tab", "needs a Google Sheets tracker",
                             "use roster.path for a CSV file beside a workbook tracker")
    rcols = {**DEFAULT_ROSTER_COLUMNS, **roster_t.renames(
        "columns", DEFAULT_ROSTER_COLUMNS, "a roster field",
        f"use one of {', '.join(DEFAULT_ROSTER_COLUMNS)}")}
    roster_t.done()
    headers = {c.key: c.header for c in COLUMN_BY_KEY.values()}
    headers.update(t.renames("columns", headers, "a tracker column",
                             "see the README's column list"))
    if len(set(headers.values())) != len(headers):
        raise t.error("columns", "gives two columns the same header", "make each header unique")
    t.done()
    return Academy(code, name, careers_email, responses, tracker, roster_path, rcols, headers,
                   roster_tab, checkin)


def _backend(t: TableReader, file: Path, kinds: tuple[str, ...], id_key: str) -> Backend:
    kind = t.text("backend")
    if kind not in kinds:
        raise t.error("backend", f"is {kind!r}", f"use one of {', '.join(kinds)}")
    if kind in ("csv", "xlsx"):
        must_exist = kind == "csv"
        path = config_path(t, "path", file, must_exist=must_exist)
        if kind == "xlsx" and (path.suffix.lower() != ".xlsx" or path.is_dir()):
            # openpyxl refuses anything else, and the old message then said "restore it
            # from a backup", which is no use when the config names the wrong file.
            raise t.error("path", f"is {path}, not an .xlsx workbook",
                          'point it at the tracker file, e.g. "../output/tracker.xlsx"')
        if kind == "csv" and path.is_dir():
            raise t.error("path", f"is {path}, which is a folder", "name the .csv file in it")
        backend = Backend(kind, path=path)
    elif id_key == "form_id":
        # Empty until `destsync setup` has created Form A; sync then asks for it.
        backend = Backend(kind, remote_id=t.opt_text(id_key).strip())
    else:
        backend = Backend(kind, remote_id=t.text(id_key))
    t.done()
    return backend
