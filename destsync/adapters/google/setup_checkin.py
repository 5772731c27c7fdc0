"""``destsync setup`` for the termly check-in form (issue 16) in Google Forms.

The same steps as Form A's (``setup``): ``forms.create`` copies only the title, so the
questions follow in one ``forms.batchUpdate`` of ``createItem`` requests, matched by
title so a second run adds nothing; a form made through the API is unpublished until
``forms.setPublishSettings`` (``setup.publish_form``). Nothing is deleted or reordered.
"""

from __future__ import annotations

from typing import Any

from destsync.adapters.google.forms import GoogleFormsSource
from destsync.adapters.google.setup import (
    DESTINATION_OPTIONS,
    create_form,
    publish_form,
    setup_form,
)
from destsync.domain.checkin import IDENTITY_FIELDS
from destsync.domain.model import APPLICATION_STATUSES


def checkin_order(questions: dict[str, str]) -> list[str]:
    """Name and date of birth, the route, each application's questions, then the
    prefilled reference last (as on Form A)."""
    rest = [k for k in questions if k not in IDENTITY_FIELDS]
    return ["name", "dob", *rest, "reference"]


def checkin_item(key: str, title: str) -> dict[str, Any]:
    question: dict[str, Any] = {"required": key == "name"}
    if key == "dob":
        question["dateQuestion"] = {"includeYear": True, "includeTime": False}
    elif key == "intended":
        question["choiceQuestion"] = {
            "type": "RADIO", "options": [{"value": o} for o in DESTINATION_OPTIONS]}
    elif key.endswith("_status"):
        question["choiceQuestion"] = {
            "type": "RADIO", "options": [{"value": o} for o in APPLICATION_STATUSES]}
    else:
        question["textQuestion"] = {"paragraph": False}
    return {"title": title, "questionItem": {"question": question}}


def setup_checkin(source: GoogleFormsSource, title: str) -> tuple[bool, bool, str, str]:
    """(created, changed, the reference's prefill key, how the form stands)."""
    created = not source.form_id
    if created:
        create_form(source, title)
    changed, entries = setup_form(source, title, checkin_order(source.questions),
                                  checkin_item, ("reference",))
    return created, changed, entries["reference_entry"], publish_form(source)
