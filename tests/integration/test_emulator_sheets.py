"""The Workspace emulator, driven by the real googleapiclient and gspread clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from googleapiclient.errors import HttpError

from tests.emulator import Emulator, Formula
from tests.emulator.a1 import parse
from tests.emulator.clients import google_service, gspread_client

HEADER = ["Ref", "Name", "Destination", "Score"]
ROWS = [["R001", "Student A", "", 3], ["R002", "Student B", "", 9], ["R003", "Student C", "", 5]]


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture()
def emu(server: Emulator) -> Emulator:
    server.reset()
    return server


@pytest.fixture()
def sheets(emu: Emulator) -> Any:
    return google_service("sheets", "v4", emu.url)


def make_tracker(sheets: Any) -> str:
    book = (
        sheets.spreadsheets()
        .create(
            body={
                "properties": {"title": "Tracker"},
                "sheets": [{"properties": {"title": "Tracker"}}],
            }
        )
        .execute()
    )
    sid: str = book["spreadsheetId"]
    sheets.spreadsheets().values().update(
        spreadsheetId=sid,
        range="Tracker!A1",
        valueInputOption="RAW",
        body={"values": [HEADER, *ROWS]},
    ).execute()
    # One ROW developer-metadata anchor per student, as destsync's adapter would create.
    requests_ = [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "destsync.ref",
                    "metadataValue": row[0],
                    "visibility": "DOCUMENT",
                    "location": {
                        "dimensionRange": {
                            "sheetId": 0,
                            "dimension": "ROWS",
                            "startIndex": i + 1,
                            "endIndex": i + 2,
                        }
                    },
                }
            }
        }
        for i, row in enumerate(ROWS)
    ]
    sheets.spreadsheets().batchUpdate(spreadsheetId=sid, body={"requests": requests_}).execute()
    return sid


def test_unknown_body_field_is_rejected_like_google(sheets: Any) -> None:
    sid = make_tracker(sheets)
    with pytest.raises(HttpError) as info:
        sheets.spreadsheets().values().batchUpdate(
            spreadsheetId=sid,
            body={
                "valueInputOption": "RAW",
                "data": [{"range": "A1", "values": [["x"]], "colour": 1}],
            },
        ).execute()
    assert info.value.status_code == 400
    assert 'Unknown name "colour"' in str(info.value)


def test_wrong_type_and_bad_enum_are_rejected(sheets: Any) -> None:
    sid = make_tracker(sheets)
    for body in ({"valueInputOption": 5, "data": []}, {"valueInputOption": "RAWISH", "data": []}):
        with pytest.raises(HttpError) as info:
            sheets.spreadsheets().values().batchUpdate(spreadsheetId=sid, body=body).execute()
        assert info.value.status_code == 400


def test_unknown_query_parameter_is_400_with_google_error_shape(emu: Emulator, sheets: Any) -> None:
    sid = make_tracker(sheets)
    url = f"{emu.url}/v4/spreadsheets/{sid}/values/Tracker!A1:B2"
    ok = requests.get(url, params={"majorDimension": "COLUMNS", "alt": "json"}, timeout=5)
    assert ok.status_code == 200 and ok.json()["values"][0] == ["Ref", "R001"]
    bad = requests.get(url, params={"majorDimensions": "ROWS"}, timeout=5)
    assert bad.status_code == 400
    assert bad.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "majorDimensions"' in bad.json()["error"]["message"]
    assert requests.get(f"{emu.url}/v4/nowhere", timeout=5).json()["error"]["code"] == 404


def test_metadata_anchored_write_lands_on_the_same_student_after_a_sort(
    emu: Emulator, sheets: Any
) -> None:
    sid = make_tracker(sheets)
    # Staff sort by Score (column D) descending right after destsync reads the tracker.
    emu.schedule(
        "sheets.spreadsheets.values.batchGet",
        lambda: emu.state.sheets.sort_rows(sid, "Tracker", by_col=3, descending=True),
    )
    read = sheets.spreadsheets().values().batchGet(spreadsheetId=sid, ranges=["Tracker"]).execute()
    assert read["valueRanges"][0]["values"][1][0] == "R001"  # read before the sort
    result = (
        sheets.spreadsheets()
        .values()
        .batchUpdateByDataFilter(
            spreadsheetId=sid,
            body={
                "valueInputOption": "RAW",
                "data": [
                    {
                        "dataFilter": {
                            "developerMetadataLookup": {
                                "metadataKey": "destsync.ref",
                                "metadataValue": "R001",
                            }
                        },
                        "values": [
                            [None, None, "University"]
                        ],  # null cells are skipped, as at Google
                    }
                ],
            },
        )
        .execute()
    )
    assert result["totalUpdatedCells"] == 1
    values = emu.state.sheets.values(sid, "Tracker")
    assert [r[0] for r in values[1:]] == ["R002", "R003", "R001"]
    assert values[3] == ["R001", "Student A", "University", "3"]
    assert emu.state.sheets.row_metadata(sid, "destsync.ref") == {"R002": 1, "R003": 2, "R001": 3}


def test_metadata_follows_inserted_and_deleted_rows(emu: Emulator, sheets: Any) -> None:
    sid = make_tracker(sheets)
    emu.state.sheets.insert_row(sid, "Tracker", 1)
    emu.state.sheets.insert_column(sid, "Tracker", 0, header="Notes")
    assert emu.state.sheets.row_metadata(sid, "destsync.ref")["R001"] == 2
    sheets.spreadsheets().batchUpdate(
        spreadsheetId=sid,
        body={
            "requests": [
                {
                    "deleteDimension": {
                        "range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3}
                    }
                }
            ]
        },
    ).execute()
    assert emu.state.sheets.row_metadata(sid, "destsync.ref") == {"R002": 2, "R003": 3}
    found = (
        sheets.spreadsheets()
        .developerMetadata()
        .search(
            spreadsheetId=sid,
            body={"dataFilters": [{"developerMetadataLookup": {"metadataValue": "R003"}}]},
        )
        .execute()
    )
    loc = found["matchedDeveloperMetadata"][0]["developerMetadata"]["location"]
    assert loc["dimensionRange"]["startIndex"] == 3
    got = (
        sheets.spreadsheets()
        .values()
        .batchGetByDataFilter(
            spreadsheetId=sid,
            body={"dataFilters": [{"developerMetadataLookup": {"metadataValue": "R003"}}]},
        )
        .execute()
    )
    assert got["valueRanges"][0]["valueRange"]["values"] == [["", "R003", "Student C", "", "5"]]
    assert got["valueRanges"][0]["valueRange"]["range"] == "Tracker!A4:AA4"


def test_raw_keeps_formula_text_user_entered_makes_a_formula(emu: Emulator, sheets: Any) -> None:
    sid = make_tracker(sheets)
    values = sheets.spreadsheets().values()
    values.update(
        spreadsheetId=sid, range="Tracker!C2", valueInputOption="RAW", body={"values": [["=1+1"]]}
    ).execute()
    values.update(
        spreadsheetId=sid,
        range="Tracker!C3:C4",
        valueInputOption="USER_ENTERED",
        body={"values": [["=1+1"], ["007"]]},
    ).execute()
    book = emu.state.sheets.book(sid).sheets[0]
    assert book.get(1, 2) == "=1+1" and book.get(2, 2) == Formula("=1+1") and book.get(3, 2) == 7
    shown = values.get(spreadsheetId=sid, range="Tracker!C2:C3").execute()["values"]
    assert shown == [["=1+1"], ["#FORMULA"]]
    formulas = values.get(
        spreadsheetId=sid, range="Tracker!C3", valueRenderOption="FORMULA"
    ).execute()
    assert formulas["values"] == [["=1+1"]]


def test_batch_update_is_all_or_nothing_and_unknown_requests_fail(
    emu: Emulator, sheets: Any
) -> None:
    sid = make_tracker(sheets)
    with pytest.raises(HttpError) as info:
        sheets.spreadsheets().batchUpdate(
            spreadsheetId=sid,
            body={
                "requests": [
                    {"addSheet": {"properties": {"title": "Review"}}},
                    {"addBanding": {"bandedRange": {}}},
                ]
            },
        ).execute()
    assert info.value.status_code == 400
    assert [s.title for s in emu.state.sheets.book(sid).sheets] == ["Tracker"]
    reply = (
        sheets.spreadsheets()
        .batchUpdate(
            spreadsheetId=sid,
            body={
                "requests": [
                    {"addSheet": {"properties": {"title": "Review", "hidden": True}}},
                    {
                        "setDataValidation": {
                            "range": {
                                "sheetId": 0,
                                "startRowIndex": 1,
                                "startColumnIndex": 2,
                                "endColumnIndex": 3,
                            },
                            "rule": {
                                "condition": {
                                    "type": "ONE_OF_LIST",
                                    "values": [{"userEnteredValue": "University"}],
                                }
                            },
                        }
                    },
                    {
                        "addProtectedRange": {
                            "protectedRange": {
                                "range": {"sheetId": 0, "endRowIndex": 1},
                                "warningOnly": True,
                            }
                        }
                    },
                    {
                        "updateSheetProperties": {
                            "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                            "fields": "gridProperties.frozenRowCount",
                        }
                    },
                ]
            },
        )
        .execute()
    )
    assert reply["replies"][0]["addSheet"]["properties"]["hidden"] is True
    got = sheets.spreadsheets().get(spreadsheetId=sid, includeGridData=False).execute()
    tracker = got["sheets"][0]
    assert tracker["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert tracker["protectedRanges"][0]["warningOnly"] is True
    assert "data" not in tracker
    assert emu.state.sheets.book(sid).sheets[0].validations


def test_gspread_reads_and_writes_through_the_session_helper(emu: Emulator, sheets: Any) -> None:
    sid = make_tracker(sheets)
    ws = gspread_client(emu.url).open_by_key(sid).worksheet("Tracker")
    assert ws.get_all_values()[1][:2] == ["R001", "Student A"]
    ws.update([["College"]], "C3")
    ws.append_row(["R004", "Student D"])
    assert emu.state.sheets.values(sid, "Tracker")[2][2] == "College"
    assert emu.state.sheets.values(sid, "Tracker")[4] == ["R004", "Student D"]
    assert emu.calls()["sheets.spreadsheets.values.append"] == 1


def test_a1_parsing_and_echoed_ranges(sheets: Any) -> None:
    titles = ["My tab", "Tracker"]

    def box(text: str) -> tuple[int | None, ...]:
        a = parse(text, titles)
        return (a.row0, a.row1, a.col0, a.col1)

    assert box("'My tab'!A1:C3") == (0, 3, 0, 3)
    assert box("Tracker!A:C") == (None, None, 0, 3)
    assert box("2:5") == (1, 5, None, None)
    assert box("Tracker") == (None, None, None, None)
    assert parse("'It''s'!B2", titles).sheet == "It's"
    book = (
        sheets.spreadsheets()
        .create(body={"sheets": [{"properties": {"title": "My tab"}}]})
        .execute()
    )
    out = (
        sheets.spreadsheets()
        .values()
        .update(
            spreadsheetId=book["spreadsheetId"],
            range="'My tab'!B2",
            valueInputOption="RAW",
            body={"values": [["a", "b"], ["c"]]},
        )
        .execute()
    )
    assert out["updatedRange"] == "'My tab'!B2:C3" and out["updatedCells"] == 3


def test_a_full_protection_keeps_staff_out_but_not_the_owner_or_the_api(
    emu: Emulator, sheets: Any
) -> None:
    from tests.emulator.sheets_staff import OWNER, Protected

    sid = make_tracker(sheets)
    lock = {"addProtectedRange": {"protectedRange": {
        "protectedRangeId": 77, "range": {"sheetId": 0}, "warningOnly": False,
        "editors": {"users": []}}}}
    sheets.spreadsheets().batchUpdate(spreadsheetId=sid, body={"requests": [lock]}).execute()
    with pytest.raises(HttpError) as again:  # an id that exists: Google's 400
        sheets.spreadsheets().batchUpdate(spreadsheetId=sid, body={"requests": [lock]}).execute()
    assert again.value.resp.status == 400
    store = emu.state.sheets
    for action in (lambda: store.edit_cell(sid, "Tracker", "C2", "typed"),
                   lambda: store.sort_rows(sid, "Tracker", by_col=3),
                   lambda: store.insert_row(sid, "Tracker", 2),
                   lambda: store.insert_column(sid, "Tracker", 1)):
        with pytest.raises(Protected):
            action()
    assert store.values(sid, "Tracker")[1:] == [[str(v) for v in r] for r in ROWS]
    store.edit_cell(sid, "Tracker", "C2", "typed by the owner", user=OWNER)
    sheets.spreadsheets().values().update(
        spreadsheetId=sid, range="Tracker!C3", valueInputOption="RAW",
        body={"values": [["written by the API"]]}).execute()
    assert [r[2] for r in store.values(sid, "Tracker")[1:3]] == ["typed by the owner",
                                                                "written by the API"]
    sheets.spreadsheets().batchUpdate(spreadsheetId=sid, body={"requests": [
        {"deleteProtectedRange": {"protectedRangeId": 77}}]}).execute()
    store.edit_cell(sid, "Tracker", "C4", "typed")  # unlocked: staff edit lands
    assert store.values(sid, "Tracker")[3][2] == "typed"
