"""Right to erasure: what goes, tab by tab, when one student asks to be forgotten.

Pure: the caller reads every tab as a grid of canonical strings (header row first) and
every Form A response; this decides which rows go, which are kept only anonymised (the
Change log's history and the frozen Returns the trust needs for its statistics), and the
audit entry and tombstone that stay. The service applies it and scrubs the mail files.

The tombstone is a salted hash of the Ref and of each response id (``tombstone``): the
next sync can tell the old responses and the roster line apart from a new start without
destsync keeping anything that names the person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from destsync.domain import base_tab, layout
from destsync.domain.audit import EDIT_KEY, WHOLE_FIELDS
from destsync.domain.checkin_place import PLACED_KEY
from destsync.domain.model import RawResponse, header_of
from destsync.domain.plan import PERSONAL_COLUMNS
from destsync.domain.scrub import scrub
from destsync.domain.tombstone import SALT_KEY, TOMBSTONE_PREFIX, hashed, tombstone_value

Grid = list[list[str]]
ERASED = "(erased)"
# Form A answers and tracker columns that identify the person wherever they are quoted.
_ID_ANSWERS = ("email", "phone", "name")
# Not the parent's email: a brother or sister shares it.
_ID_COLUMNS = ("email",)


@dataclass
class TabEdit:
    """Rows are 0-based grid indices (0 is the header row)."""

    delete: list[int] = field(default_factory=list)
    replace: dict[int, list[str]] = field(default_factory=dict)
    append: list[list[str]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.delete or self.replace or self.append)


@dataclass
class ErasePlan:
    ref: str
    tombstone: str  # the hashed Ref: the audit entry's only link to the person
    edits: dict[str, TabEdit] = field(default_factory=dict)
    ledger_keys: set[str] = field(default_factory=set)  # their emails' keys (mail files)
    # What identifies them, for scrubbing the mail files. In memory only; never printed.
    identifiers: tuple[str, ...] = ()
    responses: int = 0

    def listing(self) -> list[str]:
        """What goes where, by tab and count: no value, so it may reach a log."""
        out = []
        for tab, e in self.edits.items():
            parts = [f"{_rows(len(e.delete))} removed" if e.delete else "",
                     f"{_rows(len(e.replace))} anonymised" if e.replace else "",
                     f"{_rows(len(e.append))} added" if e.append else ""]
            if any(parts):
                out.append(f"  {tab}: " + ", ".join(p for p in parts if p))
        out.append(f"  Form A: {self.responses} responses ignored from now on (tombstone)")
        out.append(f"  mail: {len(self.ledger_keys)} messages' files and journal lines")
        return out


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


class Who:
    """The person's identifiers, and whether a cell's text mentions any of them."""

    def __init__(self, texts: Sequence[str], phones: Sequence[str]) -> None:
        self.texts = sorted({t.strip().casefold() for t in texts if len(t.strip()) >= 5})
        self.phones = sorted({d for p in phones if len(d := phone_digits(p)) >= 9})

    def mentioned(self, value: str) -> bool:
        low = value.casefold()
        if any(t in low for t in self.texts):
            return True
        digits = phone_digits(value)
        return any(p in digits for p in self.phones) if digits else False

    def all(self) -> tuple[str, ...]:
        return (*self.texts, *self.phones)


def phone_digits(text: str) -> str:
    """A phone number's digits without its leading 0 or 44: one form for every spelling."""
    d = "".join(ch for ch in text if ch.isdigit())
    return d[2:] if d.startswith("44") and len(d) == 12 else d.lstrip("0")


def _col(grid: Grid, header: str) -> int | None:
    if not grid:
        return None
    try:
        return [h.strip() for h in grid[0]].index(header)
    except ValueError:
        return None


def _at(row: Sequence[str], i: int | None) -> str:
    return row[i].strip() if i is not None and i < len(row) else ""


def find_ref_row(grid: Grid, ref: str, ref_header: str = "Ref") -> int | None:
    i = _col(grid, ref_header)
    return next((r for r, row in enumerate(grid) if r and _at(row, i) == ref), None)


def holds(grids: Mapping[str, Grid], ref: str, ref_header: str) -> bool:
    """Whether anything in these tabs is about ``ref`` (its row, or the state of a row
    staff already deleted)."""
    if find_ref_row(grids.get(layout.TRACKER, []), ref, ref_header) is not None:
        return True
    return any(find_ref_row(grids.get(t, []), ref) is not None
               for t in ("_destsync_base", "_destsync_responses", "_destsync_ledger"))


def _theirs(ref: str, tracker_row: Mapping[str, str], responses: Sequence[RawResponse],
            known: set[str]) -> list[RawResponse]:
    """Their responses: recorded on their row, naming their Ref, or giving their email."""
    email = tracker_row.get("email", "").strip().casefold()
    return [r for r in responses
            if r.response_id in known
            or r.answers.get("reference", "").strip().upper() == ref.upper()
            or (email and r.answers.get("email", "").strip().casefold() == email)]


def plan_erase(ref: str, grids: Mapping[str, Grid], headers: Mapping[str, str],
               responses: Sequence[RawResponse], salt: str, new_salt: bool, now: str,
               run_id: str) -> ErasePlan:
    """Everything to remove for ``ref``. ``headers`` maps tracker column keys to their
    headers; ``salt`` is the academy's (``new_salt``: not stored yet, store it)."""
    tracker = grids.get(layout.TRACKER, [])
    r = find_ref_row(tracker, ref, headers.get("ref", "Ref"))
    row = {k: _at(tracker[r], _col(tracker, h)) for k, h in headers.items()} if r else {}
    # A row staff deleted is still known by its merge base (what destsync wrote).
    mine_base = [b for b in grids.get(base_tab.BASE_TAB, [])[1:] if b and b[0].strip() == ref]
    for (_, col), value in base_tab.decode(mine_base).items():
        if not row.get(col):
            row[col] = value
    state = grids.get("_destsync_responses", [])
    known = {row_[0] for row_ in state[1:] if len(row_) > 3 and row_[3].strip() == ref}
    mine = _theirs(ref, row, responses, known)
    rids = sorted(known | {x.response_id for x in mine})
    name = f"{row.get('forename', '')} {row.get('surname', '')}".strip()
    who = Who([name, *(row.get(k, "") for k in _ID_COLUMNS),
               *(x.answers.get(k, "") for x in mine for k in _ID_ANSWERS if k != "phone")],
              [row.get("phone", ""), *(x.answers.get("phone", "") for x in mine)])
    # For scrubbing a row already known to mention them: their Ref and birth date too.
    terms = (*who.all(), ref, *filter(None, [row.get("dob", "")]))
    plan = ErasePlan(ref, hashed(salt, ref), identifiers=terms, responses=len(rids))
    rid_set = set(rids)
    for tab, grid in grids.items():
        edit = _edit_tab(tab, grid, ref, rid_set, who, headers, plan)
        if not edit.is_empty():
            plan.edits[tab] = edit
    meta = plan.edits.setdefault("_destsync_meta", TabEdit())
    if new_salt:
        meta.append.append([SALT_KEY, salt])
    meta.append.append([TOMBSTONE_PREFIX + plan.tombstone,
                        tombstone_value(now[:10], [hashed(salt, x) for x in rids])])
    plan.edits.setdefault(layout.LOG, TabEdit()).append.append(
        [now, run_id, ERASED, "", "", "", "erase",
         f"erased on request (tombstone {plan.tombstone})"])
    return plan


def _edit_tab(tab: str, grid: Grid, ref: str, rids: set[str], who: Who,
              headers: Mapping[str, str], plan: ErasePlan) -> TabEdit:
    edit = TabEdit()
    ref_i = _col(grid, headers.get("ref", "Ref") if tab == layout.TRACKER else "Ref")
    rid_i = _col(grid, "Response ID")
    notes_i = _col(grid, headers.get("notes", "Notes"))
    answer_i = _col(grid, "Value from form")
    for r, row in enumerate(grid):
        if r == 0:
            continue
        ours = (_at(row, ref_i) == ref or _at(row, rid_i) in rids
                or (tab == "_destsync_meta" and _at(row, 0).startswith(f"{EDIT_KEY}{ref}|"))
                or (tab == "_destsync_meta" and _at(row, 0).startswith(PLACED_KEY)
                    and _at(row, 1) == ref))  # a check-in staff placed on their row
        if tab == "_destsync_ledger" and ours:
            plan.ledger_keys.add(_at(row, 0))
        if tab == layout.LOG and ours:
            edit.replace[r] = [ERASED if who.mentioned(v) else v
                               for v in _anonymous_log(row, rids, headers)]
        elif tab == layout.RETURNS and ours:
            names = {_col(grid, "Forename"), _col(grid, "Surname")}
            edit.replace[r] = [ERASED if i == ref_i else "" if i in names or who.mentioned(v)
                               else v for i, v in enumerate(row)]
        elif ours or (tab == layout.REVIEW and who.mentioned(_at(row, answer_i))):
            # A Review row whose answer is theirs without their Ref (an unmatched
            # response) goes too: it is about them and nothing else.
            edit.delete.append(r)
        elif tab in (layout.LOG, layout.RETURNS, layout.REVIEW, "_destsync_meta") or (
                tab == layout.TRACKER):
            # Someone else's row that mentions them (a possible match naming them): the
            # mention goes, the rest of the cell stays. On the Tracker only in the staff's
            # Notes: a brother's phone cell may hold the same family number, and is his.
            if not any(map(who.mentioned, row)):
                continue
            cols = [notes_i] if tab == layout.TRACKER else range(len(row))
            new = [scrub(v, plan.identifiers) if i in cols else v for i, v in enumerate(row)]
            if new != row:
                edit.replace[r] = new
    return edit


def _anonymous_log(row: Sequence[str], rids: set[str], headers: Mapping[str, str]) -> list[str]:
    """A Change log entry of theirs, kept for the trust's figures: when, which field and,
    for a field that is not personal, the values; no Ref, no response id."""
    cells = [*row, *[""] * (8 - len(row))][:8]
    when, run, _, fld, old, new, source, note = cells
    personal = fld in WHOLE_FIELDS or fld in {headers.get(k, header_of(k))
                                               for k in PERSONAL_COLUMNS}
    return [when, run, ERASED, fld, "" if personal else old, "" if personal else new,
            "form" if source in rids else source, note]
