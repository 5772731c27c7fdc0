"""The ``[checkin]`` table: the termly check-in form current students fill in (issue 16).

Optional: with no ``[checkin]`` and no ``[academies.checkin]`` a config behaves exactly
as before. ``[checkin]`` holds what every academy's check-in form shares (its questions,
how many application slots, the responder link and the reference's prefill key);
``[academies.checkin]`` says where one academy's answers are read from, with the same
shape as ``[academies.responses]`` (``backend = "csv"`` and a ``path``, or
``"google_forms"`` and a ``form_id`` that `destsync setup` prints).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from destsync.config.reader import TableReader
from destsync.domain.checkin import DEFAULT_SLOTS, checkin_fields, default_questions
from destsync.domain.contact_plan import Campaign, Window

MAX_SLOTS = 10
PLACEHOLDER_URL = "https://docs.google.com/forms/d/e/CHECKIN_FORM_ID/viewform"

# One reminder per term, each its own campaign so the ledger sends it once per term
# (``campaign/year/ref/1``); the windows sit inside each term.
CHECKIN_CAMPAIGNS: tuple[Campaign, ...] = tuple(
    Campaign(f"checkin_{term}", "current", Window(start, end), 1, (0,), 0, "checkin",
             "{{ school.name }}: your " + term + " check-in (two minutes)", 25)
    for term, start, end in (("autumn", "10-01", "12-10"), ("spring", "01-20", "03-25"),
                             ("summer", "04-25", "07-10"))
)


@dataclass(frozen=True)
class CheckinForm:
    slots: int = DEFAULT_SLOTS
    questions: dict[str, str] = field(default_factory=default_questions)
    # As Form A's: `destsync setup` prints the real one once it has made the form.
    responder_url: str = PLACEHOLDER_URL
    reference_entry: str = ""
    title: str = "Termly check-in: your plans after school"


def parse_checkin(root: TableReader) -> CheckinForm:
    t = root.table("checkin")
    slots = t.integer("slots", DEFAULT_SLOTS, 1, MAX_SLOTS)
    fields = checkin_fields(slots)
    questions = {**default_questions(slots), **t.renames(
        "questions", fields, "a check-in field", f"use one of {', '.join(fields)}")}
    url = t.opt_text("responder_url").strip() or PLACEHOLDER_URL
    entry = t.opt_text("reference_entry").strip()
    if entry and not re.fullmatch(r"entry\.\d+", entry):
        raise t.error("reference_entry", f"is {entry!r}",
                      'copy it from a prefilled link: "entry.123456789"')
    title = t.opt_text("title").strip() or CheckinForm.title
    t.done()
    return CheckinForm(slots, questions, url, entry, title)
