"""Review resolved in a Google Sheet: staff type into Resolve as (after sorting the tab),
the next sync carries it out once and marks the row; with the real Google client
libraries against the emulator."""

from __future__ import annotations

import pytest

from destsync.domain.model import REVIEW_HEADERS
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)

pytestmark = pytest.mark.slow


def type_resolution(remote: RemoteSchool, kind: str, text: str) -> str:
    values = remote.sheets.values(SHEET_ID, "Review")
    head = [str(h) for h in values[0]]
    col = chr(ord("A") + head.index("Resolve as"))
    r = next(i for i, v in enumerate(values) if len(v) > 2 and v[head.index("Kind")] == kind)
    remote.sheets.edit_cell(SHEET_ID, "Review", f"{col}{r + 1}", text)
    return str(values[r][head.index("Key")])


def test_staff_resolve_review_rows_in_the_sheet(remote: RemoteSchool) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.submit({"name": "Casey Stray", "leaving_year": "2026", "destination": "College",
                   "consent": "Yes"}, "2026-10-20T10:00:00Z", "stray-1")
    remote.sync()
    review = remote.tab("Review")
    assert list(remote.sheets.values(SHEET_ID, "Review")[0]) == list(REVIEW_HEADERS)
    kinds = {r["Kind"] for r in review}
    assert "No match" in kinds
    target = sorted(ref for ref, r in remote.tracker().items()
                    if r["Leaving year"] == "2026" and not r["Actual destination"])[0]
    key = type_resolution(remote, "No match", target)
    remote.sheets.sort_rows(SHEET_ID, "Review", "A", descending=True)  # staff sort by Kind
    remote.sync("2026-11-03")
    rows = {r["Key"]: r for r in remote.tab("Review")}
    assert rows[key]["Resolved"] == "2026-11-03"
    assert rows[key]["Resolution"] == f"answers placed on {target}"
    assert remote.tracker()[target]["Actual destination"] == "College"
    logged = [r for r in remote.tab("Change log") if r["Field"] == "Review"]
    assert len(logged) == 1
    before = remote.sheets.values(SHEET_ID, "Review")
    remote.sync("2026-11-04")
    assert remote.sheets.values(SHEET_ID, "Review") == before  # carried out once


def test_setup_offers_the_resolution_words_as_a_dropdown(remote: RemoteSchool) -> None:
    remote.setup()
    ss = remote.sheets.book(SHEET_ID)
    sheet = ss.sheet_by_title("Review")
    [rule] = [v["rule"] for v in sheet.validations]
    assert [o["userEnteredValue"] for o in rule["condition"]["values"]] \
        == ["accept", "new", "ignore"]
    assert rule["strict"] is False


OLD_ORDER = ["Key", "Raised", "Kind", "Ref", "Response ID", "Submitted", "Field",
             "Value in tracker", "Value from form", "What to do", "Resolved"]


def test_a_review_tab_in_the_older_order_keeps_it_and_still_resolves(
    remote: RemoteSchool,
) -> None:
    remote.setup()
    for c in range(13):  # as an older destsync made the tab
        value = OLD_ORDER[c] if c < len(OLD_ORDER) else ""
        remote.sheets.edit_cell(SHEET_ID, "Review", f"{chr(ord('A') + c)}1", value)
    remote.setup()  # adds the two new columns at the end
    remote.submit({"name": "Casey Stray", "leaving_year": "2026", "consent": "Yes"},
                  "2026-10-20T10:00:00Z", "stray-1")
    remote.sync()
    assert [str(h) for h in remote.sheets.values(SHEET_ID, "Review")[0]] \
        == [*OLD_ORDER, "Resolve as", "Resolution"]
    [row] = [r for r in remote.tab("Review") if r["Kind"] == "No match"]
    assert row["Key"].startswith("No match|stray-1|") and row["Response ID"] == "stray-1"
    type_resolution(remote, "No match", "ignore")
    remote.sync("2026-11-03")
    [row] = [r for r in remote.tab("Review") if r["Kind"] == "No match"]
    assert (row["Resolved"], row["Resolution"]) == ("2026-11-03", "ignored: not one of ours")
