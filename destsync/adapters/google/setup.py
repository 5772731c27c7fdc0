"""``destsync setup`` for the Google backends: Form A in Google Forms and the tracker tabs
in the Google Sheet. Both are idempotent: they read first, then send only what is
missing, so a second run makes no write at all.

Sheet: the Tracker, Review, Change log and Returns tabs with headers and a frozen header
row; dropdowns (warning only: staff may still type something else); warning-only
protection on the columns destsync writes and on the hidden ``_destsync_*`` state tabs;
anchors on the Ref column and on every existing row that has a Ref. Headers staff renamed,
moved or added are left alone; only missing destsync headers are added at the end.

Form: created when the config gives no form id; then the seed's questions, the consent
question and the reference question, added to the form when missing (matched by title,
as sync reads them). Nothing is deleted or reordered; a school's own extra questions stay.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from destsync.adapters.form_questions import norm_title
from destsync.adapters.google import sheets_api as api
from destsync.adapters.google.forms import GoogleFormsSource, execute, publish_state
from destsync.domain import layout
from destsync.domain.answers import STOP_ANSWER
from destsync.domain.model import COLUMNS
from destsync.domain.resolutions import WORDS

GRID_ROWS = 1000
# The seed's options for "What have you secured...", plus University (see DOMAIN.md).
DESTINATION_OPTIONS: tuple[str, ...] = (
    "University",
    "Employment with training",
    "Apprenticeship",
    "College",
    "Sixth form",
    "Voluntary work",
    "Traineeship",
    "Other (specify)",
)
# The third is the answer every student's stop link prefills (a withdrawal).
CONSENT_OPTIONS: tuple[str, ...] = ("Yes", "No", STOP_ANSWER)
# Form order: the seed's questions, then consent, then the prefilled reference.
FORM_ORDER: tuple[str, ...] = (
    "name", "dob", "leaving_year", "email", "phone", "destination", "course", "level",
    "provider", "start_date", "duration", "consent", "reference",
)


# -- Form A -------------------------------------------------------------------------------

def question_item(key: str, title: str) -> dict[str, Any]:
    """The Forms API Item for one Form A field."""
    question: dict[str, Any] = {"required": key in ("name", "consent")}
    if key in ("dob", "start_date"):
        question["dateQuestion"] = {"includeYear": True, "includeTime": False}
    elif key == "destination":
        question["choiceQuestion"] = {
            "type": "RADIO", "options": [{"value": o} for o in DESTINATION_OPTIONS]}
    elif key == "consent":
        question["choiceQuestion"] = {
            "type": "RADIO", "options": [{"value": o} for o in CONSENT_OPTIONS]}
    else:
        question["textQuestion"] = {"paragraph": False}
    return {"title": title, "questionItem": {"question": question}}


def create_form(source: GoogleFormsSource, title: str) -> str:
    """Create an empty Form A and point ``source`` at it; returns the new form id.
    The API copies only the title on create, so questions are added by ``setup_form``.
    The form belongs to whoever destsync runs as: run this as a staff account (ADC from
    ``gcloud auth application-default login``) so the school owns its form."""
    info = {"title": title, "documentTitle": title}
    form = execute(source.service.forms().create(body={"info": info}), "Google Forms")
    source.form_id = str(form["formId"])
    source.what = f"form {source.form_id}"
    return source.form_id


def setup_form(source: GoogleFormsSource, title: str,
               order: Sequence[str] = FORM_ORDER,
               make: Callable[[str, str], dict[str, Any]] = question_item,
               entries: Sequence[str] = ("reference", "consent"),
               ) -> tuple[bool, dict[str, str]]:
    """Add the Form A questions the form lacks, and the stop answer to a consent question
    made before it existed. Returns (changed, the prefill keys "entry.<n>" of the
    reference and consent questions, by their config key: form_a.reference_entry and
    form_a.consent_entry). ``order``, ``make`` and ``entries`` give another form's
    questions (the check-in's: ``setup_checkin``)."""
    forms = source.service.forms()
    form = execute(forms.get(formId=source.form_id), source.what)
    items = form.get("items", [])
    have = {norm_title(i.get("title", "")) for i in items}
    requests: list[dict[str, Any]] = []
    for key in order:
        q_title = source.questions.get(key, "")
        if q_title and norm_title(q_title) not in have:
            requests.append({"createItem": {"item": make(key, q_title),
                                            "location": {"index": len(items) + len(requests)}}})
    requests += _stop_option(items, source.questions.get("consent", ""))
    if not form.get("info", {}).get("title"):
        requests.insert(0, {"updateFormInfo": {"info": {"title": title}, "updateMask": "title"}})
    if requests:
        execute(forms.batchUpdate(formId=source.form_id, body={"requests": requests}),
                source.what)
        form = execute(forms.get(formId=source.form_id), source.what)
    return bool(requests), {f"{key}_entry": reference_entry(form, source.questions.get(key, ""))
                            for key in entries}


def _stop_option(items: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    """An updateItem adding "No, stop contacting me" to an existing choice question for
    consent that lacks it; the school's own options stay, in their order."""
    for index, item in enumerate(items):
        if not title or norm_title(item.get("title", "")) != norm_title(title):
            continue
        choice = item.get("questionItem", {}).get("question", {}).get("choiceQuestion")
        options = (choice or {}).get("options", [])
        if choice is None or any(norm_title(o.get("value", "")) == norm_title(STOP_ANSWER)
                                 for o in options):
            return []  # a text question (the answer is still read), or already there
        updated = {**item, "questionItem": {**item["questionItem"], "question": {
            **item["questionItem"]["question"],
            "choiceQuestion": {**choice, "options": [*options, {"value": STOP_ANSWER}]}}}}
        return [{"updateItem": {
            "item": updated, "location": {"index": index},
            "updateMask": "questionItem.question.choiceQuestion.options"}}]
    return []


def publish_form(source: GoogleFormsSource) -> str:
    """Publish Form A if it is unpublished, and say how it stands.

    Google's Forms API guide: forms created through the API after June 30, 2026 are
    unpublished and take no responses until ``forms.setPublishSettings`` publishes them
    (scope ``forms.body``, so setup only). Idempotent: a published form is left alone, and
    a published form that staff closed to responses is reported, not reopened."""
    forms = source.service.forms()
    state = publish_state(execute(forms.get(formId=source.form_id), source.what))
    if state is None:
        return "legacy form (no publish settings): check in Forms that it takes responses"
    published, accepting = state
    if published and accepting:
        return "published, accepting responses"
    if published:
        return ("published but NOT accepting responses: turn on 'Accepting responses' "
                "in the form's Responses tab if it should be open")
    body = {"publishSettings": {"publishState": {"isPublished": True,
                                                 "isAcceptingResponses": True}},
            "updateMask": "publishState"}
    execute(forms.setPublishSettings(formId=source.form_id, body=body), source.what)
    return "was unpublished; published it, now accepting responses"


def reference_entry(form: Mapping[str, Any], title: str) -> str:
    """The prefill key of the question titled ``title``. The Forms API has no field for
    it (its Question schema gives only ``questionId``); prefilled links use
    entry.<decimal questionId>, and the API gives questionId in hex. `destsync doctor`
    compares the config with this for every run's form."""
    for item in form.get("items", []):
        if title and norm_title(item.get("title", "")) == norm_title(title):
            qid = item.get("questionItem", {}).get("question", {}).get("questionId", "")
            try:
                return f"entry.{int(qid, 16)}"
            except ValueError:
                return ""
    return ""


# -- the tracker sheet --------------------------------------------------------------------

def setup_sheet(sheets: api.SheetsApi, headers: Mapping[str, str]) -> bool:
    """Create or update the tracker tabs. True if anything was written."""
    info = sheets.get("developerMetadata,sheets(properties,protectedRanges)")
    tabs = {s["properties"]["title"]: s for s in info.get("sheets", [])}
    wanted_tracker = [headers[c.key] for c in COLUMNS]
    specs: dict[str, list[str]] = {layout.TRACKER: wanted_tracker}
    specs.update({t: list(h) for t, h in layout.VISIBLE_TABS.items()})
    specs.update({t: list(h) for t, h in layout.STATE_TABS.items()})

    requests: list[dict[str, Any]] = []
    next_id = max((int(s["properties"].get("sheetId", 0)) for s in tabs.values()), default=0) + 1
    ids: dict[str, int] = {}
    header_now: dict[str, list[str]] = {}
    existing = [t for t in specs if t in tabs]
    tracker_rows: list[list[Any]] = []
    if existing:
        # One read: every existing tab's header row, and the Tracker (its Refs to anchor).
        ranges = [f"{api.quote(t)}!1:1" for t in existing]
        if layout.TRACKER in tabs:
            ranges.append(api.quote(layout.TRACKER))
        blocks = sheets.batch_get(ranges)
        blocks += [[]] * (len(ranges) - len(blocks))
        for t, block in zip(existing, blocks, strict=False):
            header_now[t] = [layout.canonical(v).strip() for v in (block[0] if block else [])]
        if layout.TRACKER in tabs:
            tracker_rows = blocks[-1]

    for index, (tab, cols) in enumerate(specs.items()):
        hidden = tab in layout.STATE_TABS
        if tab not in tabs:
            ids[tab] = next_id
            next_id += 1
            requests.append({"addSheet": {"properties": {
                "sheetId": ids[tab], "title": tab, "index": index, "hidden": hidden,
                "gridProperties": {"rowCount": GRID_ROWS, "columnCount": len(cols),
                                   "frozenRowCount": 1}}}})
            requests.append(_header_cells(ids[tab], 0, cols))
            continue
        props = tabs[tab]["properties"]
        ids[tab] = int(props.get("sheetId", 0))
        have = header_now.get(tab, [])
        missing = [h for h in cols if h not in have]
        if missing:
            start = len(have)
            width = int(props.get("gridProperties", {}).get("columnCount", 0))
            if start + len(missing) > width:
                requests.append({"appendDimension": {
                    "sheetId": ids[tab], "dimension": "COLUMNS",
                    "length": start + len(missing) - width}})
            requests.append(_header_cells(ids[tab], start, missing))
        if props.get("gridProperties", {}).get("frozenRowCount", 0) < 1:
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": ids[tab], "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount"}})
        if hidden and not props.get("hidden"):
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": ids[tab], "hidden": True}, "fields": "hidden"}})

    # Where each header will be once the requests above are applied.
    final = {t: (header_now.get(t, []) + [h for h in cols if h not in header_now.get(t, [])])
             for t, cols in specs.items()}
    position = {h: i for i, h in enumerate(final[layout.TRACKER])}
    requests += _protections(tabs, ids, position, headers)
    signature = _signature(final[layout.TRACKER], final[layout.REVIEW])
    marks = [m for m in info.get("developerMetadata", []) if m.get("metadataKey") == api.SETUP_KEY]
    if not any(m.get("metadataValue") == signature for m in marks):
        requests += _dropdowns(ids[layout.TRACKER], position, headers)
        requests.append(_resolve_as(ids[layout.REVIEW], final[layout.REVIEW]))
        requests += _readable_review(ids[layout.REVIEW], final[layout.REVIEW])
        requests += api.forget(marks)
        requests.append(api.meta(api.SETUP_KEY, signature, {"spreadsheet": True}))
    requests += _anchors(sheets, ids[layout.TRACKER], position[headers["ref"]], tracker_rows)
    if not requests:
        return False
    sheets.batch_update(requests)
    return True


def _header_cells(sheet_id: int, col0: int, names: list[str]) -> dict[str, Any]:
    row = api.text_cells(names)
    for cell in row["values"]:
        cell["userEnteredFormat"] = {"textFormat": {"bold": True}, "wrapStrategy": "WRAP"}
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": col0},
                            "rows": [row],
                            "fields": "userEnteredValue,userEnteredFormat"}}


def _protections(
    tabs: Mapping[str, Any], ids: Mapping[str, int], position: Mapping[str, int],
    headers: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Warning-only protection: staff are asked to confirm before editing a column destsync
    writes or a state tab, but are never locked out."""
    out: list[dict[str, Any]] = []

    def has(tab: str, description: str) -> bool:
        return any(p.get("description") == description
                   for p in tabs.get(tab, {}).get("protectedRanges", []))

    for tab in layout.STATE_TABS:
        desc = "destsync: state (written by destsync; please do not edit)"
        if not has(tab, desc):
            out.append({"addProtectedRange": {"protectedRange": {
                "range": {"sheetId": ids[tab]}, "description": desc, "warningOnly": True}}})
    desc = "destsync: columns destsync writes (your edits are kept, and shown on Review)"
    if not has(layout.TRACKER, desc):
        owned = sorted(position[headers[c.key]] for c in COLUMNS if c.owner == "destsync")
        runs: list[list[int]] = []
        for c in owned:
            if runs and c == runs[-1][1]:
                runs[-1][1] = c + 1
            else:
                runs.append([c, c + 1])
        for start, end in runs:
            out.append({"addProtectedRange": {"protectedRange": {
                "range": {"sheetId": ids[layout.TRACKER], "startRowIndex": 1,
                          "startColumnIndex": start, "endColumnIndex": end},
                "description": desc, "warningOnly": True}}})
    return out


def _dropdowns(
    sheet_id: int, position: Mapping[str, int], headers: Mapping[str, str]
) -> list[dict[str, Any]]:
    out = []
    for key, options in layout.dropdown_lists().items():
        c = position.get(headers.get(key, ""))
        if c is None:
            continue
        out.append({"setDataValidation": {
            "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": c,
                      "endColumnIndex": c + 1},
            "rule": {"condition": {"type": "ONE_OF_LIST",
                                   "values": [{"userEnteredValue": o} for o in options]},
                     "strict": False, "showCustomUi": True,
                     "inputMessage": "Pick from the list"}}})
    return out


def _resolve_as(sheet_id: int, review_headers: list[str]) -> dict[str, Any]:
    """The Review tab's "Resolve as" dropdown: it suggests the words; a Ref is typed, so
    the rule is not strict (sheets.batchUpdate SetDataValidationRequest, BooleanCondition
    ONE_OF_LIST; see the Sheets v4 discovery document)."""
    c = review_headers.index(layout.RESOLVE_AS)
    return {"setDataValidation": {
        "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": c,
                  "endColumnIndex": c + 1},
        "rule": {"condition": {"type": "ONE_OF_LIST",
                               "values": [{"userEnteredValue": w} for w in WORDS]},
                 "strict": False, "showCustomUi": True,
                 "inputMessage": "accept, new, ignore, or type a Ref"}}}


def _readable_review(sheet_id: int, review_headers: list[str]) -> list[dict[str, Any]]:
    """The Key column hidden (it is destsync's), the reasons wrapped so they show in full."""
    key = review_headers.index("Key")
    out: list[dict[str, Any]] = [{"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": key,
                  "endIndex": key + 1},
        "properties": {"hiddenByUser": True}, "fields": "hiddenByUser"}}]
    for header in layout.REVIEW_WRAPPED:
        c = review_headers.index(header)
        out.append({"repeatCell": {
            "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": c,
                      "endColumnIndex": c + 1},
            "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP"}},
            "fields": "userEnteredFormat.wrapStrategy"}})
    return out


def _signature(tracker_headers: list[str], review_headers: list[str]) -> str:
    """What the dropdowns depend on: when it is unchanged they are not sent again."""
    data = json.dumps([tracker_headers, layout.dropdown_lists(), review_headers, WORDS],
                      sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def _anchors(
    sheets: api.SheetsApi, sheet_id: int, ref_index: int, rows: list[list[Any]]
) -> list[dict[str, Any]]:
    """Anchor the Ref column and every row with a Ref that has no anchor yet."""
    found = sheets.search_metadata([
        {"developerMetadataLookup": {"metadataKey": api.ANCHOR_KEY, "locationType": "ROW"}},
        {"developerMetadataLookup": {"metadataKey": api.COLUMN_KEY, "locationType": "COLUMN"}},
    ])
    anchored = {m.get("metadataValue") for m in found if m.get("metadataKey") == api.ANCHOR_KEY}
    out = []
    if not any(m.get("metadataKey") == api.COLUMN_KEY for m in found):
        out.append(api.ref_column_anchor(sheet_id, ref_index))
    for r, row in enumerate(rows[1:], start=1):
        ref = layout.canonical(row[ref_index] if ref_index < len(row) else None).strip()
        if ref and ref not in anchored:
            anchored.add(ref)
            out.append(api.meta(api.ANCHOR_KEY, ref, api.rows_location(sheet_id, r, r + 1)))
    return out

