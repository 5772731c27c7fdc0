"""gspread error paths through destsync's session, with `responses` standing in for Google:
quick, and no network. Each failure is one line naming the fix."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import responses
from google.auth.credentials import AnonymousCredentials

from destsync.adapters.google import credentials as cr
from destsync.adapters.google.retry import RetryBudgetExceeded, RetryPolicy
from destsync.adapters.google.sheets import GoogleSheetsTracker
from destsync.adapters.google.sheets_api import BASE, MARK_KEY, SheetsApi
from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.domain.model import COLUMN_BY_KEY
from destsync.errors import CredentialError, TrackerError

SID = "sheet123"


@pytest.fixture(autouse=True)
def no_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cr.EMULATOR_ENV, raising=False)


def sheets(calls: Counter[str] | None = None) -> SheetsApi:
    policy = RetryPolicy(total_seconds=1, first_delay=0.001, max_delay=0.002)
    client = cr.gspread_client(AnonymousCredentials(), policy, calls)  # type: ignore[no-untyped-call]
    return SheetsApi(client, SID, f"spreadsheet {SID} (OAK)")


def error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "status": status, "message": message}}


GET_URL = f"{BASE}/{SID}"
BATCH_GET = f"{BASE}/{SID}/values:batchGet"


@responses.activate
def test_a_sheet_not_shared_with_the_service_account_is_a_credential_error() -> None:
    responses.get(BATCH_GET, status=403, json=error(403, "PERMISSION_DENIED",
                                                      "The caller does not have permission"))
    with pytest.raises(CredentialError) as caught:
        GoogleSheetsTracker(sheets(), {c.key: c.header for c in COLUMN_BY_KEY.values()}).read()
    assert "refused access to spreadsheet sheet123 (OAK)" in caught.value.message
    assert "share" in caught.value.hint and "\n" not in caught.value.message


@responses.activate
def test_an_unknown_spreadsheet_is_a_tracker_error_naming_the_config_key() -> None:
    responses.get(BATCH_GET, status=404, json=error(404, "NOT_FOUND", "Requested entity"))
    with pytest.raises(TrackerError) as caught:
        sheets().batch_get(["'Tracker'"])
    assert "was not found" in caught.value.message and "spreadsheet_id" in caught.value.hint


@responses.activate
def test_an_error_body_that_is_not_json_still_gives_one_line() -> None:
    responses.get(GET_URL, status=400, body="<html>Bad gateway</html>")
    with pytest.raises(TrackerError) as caught:
        sheets().get("sheets")
    assert caught.value.message.startswith("Sheets refused a request")


@responses.activate
def test_429_then_success_is_retried_and_counted_once() -> None:
    responses.get(GET_URL, status=429, json=error(429, "RESOURCE_EXHAUSTED", "quota"),
                  headers={"Retry-After": "0"})
    responses.get(GET_URL, json={"sheets": []})
    calls: Counter[str] = Counter()
    assert sheets(calls).get("sheets") == {"sheets": []}
    assert len(responses.calls) == 2 and calls == {"sheets.get": 1}


@responses.activate
def test_a_503_that_never_ends_stops_within_the_budget() -> None:
    responses.get(GET_URL, status=503, json=error(503, "UNAVAILABLE", "busy"))
    with pytest.raises(RetryBudgetExceeded) as caught:
        sheets().get("sheets")
    assert "sheets.get still failing (HTTP 503)" in caught.value.message


@responses.activate
def test_values_are_always_written_raw() -> None:
    responses.post(f"{BASE}/{SID}/values:batchUpdateByDataFilter", json={})
    sheets().update_by_filter([{"dataFilter": {"a1Range": "A1"}, "values": [["=1+1"]]}])
    body = json.loads(responses.calls[0].request.body)
    assert body["valueInputOption"] == "RAW"


@responses.activate
def test_a_structural_write_whose_answer_was_lost_is_not_sent_twice() -> None:
    """503 after Google applied the batchUpdate: the marker says so, and no second copy of
    the new rows is sent."""
    state: dict[str, Any] = {"mark": None, "posts": 0}

    def batch_update(request: Any) -> tuple[int, dict[str, str], str]:
        state["posts"] += 1
        for r in json.loads(request.body)["requests"]:
            m = r.get("createDeveloperMetadata", {}).get("developerMetadata", {})
            if m.get("metadataKey") == MARK_KEY:
                state["mark"] = m["metadataValue"]
        return 503, {}, json.dumps(error(503, "UNAVAILABLE", "lost on the way back"))

    def search(request: Any) -> tuple[int, dict[str, str], str]:
        found = [{"developerMetadata": {"metadataId": 1, "metadataKey": MARK_KEY,
                                        "metadataValue": state["mark"]}}]
        return 200, {}, json.dumps({"matchedDeveloperMetadata": found})

    responses.add_callback(responses.POST, f"{BASE}/{SID}:batchUpdate", callback=batch_update)
    responses.add_callback(responses.POST, f"{BASE}/{SID}/developerMetadata:search",
                           callback=search)
    tracker = GoogleSheetsTracker(sheets(), {c.key: c.header for c in COLUMN_BY_KEY.values()})
    from destsync.adapters.google.sheets import _Grid

    tracker._batch_update_once([{"appendDimension": {"sheetId": 0, "dimension": "ROWS",
                                                     "length": 1}}],
                               _Grid({}, {}, []), "run1")
    assert state["posts"] == 1


def test_a_missing_key_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(CredentialError) as caught:
        cr.credentials_for(cr.SHEETS_SCOPES, tmp_path / "nope.json", environ={})
    assert "does not exist" in caught.value.message


def test_a_key_file_that_is_not_a_service_account_key_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "key.json"
    bad.write_text(json.dumps({"type": "authorized_user"}))
    with pytest.raises(CredentialError) as caught:
        cr.credentials_for(cr.SHEETS_SCOPES, bad, environ={})
    assert "not a service-account key" in caught.value.message
    bad.write_text("{not json")
    with pytest.raises(CredentialError):
        cr.credentials_for(cr.SHEETS_SCOPES, bad, environ={})


def test_no_application_default_credentials_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(CredentialError) as caught:
        cr.credentials_for(cr.SHEETS_SCOPES, environ={})
    assert caught.value.message == "no Google credentials found (Application Default Credentials)"
    assert "gcloud auth application-default login" in caught.value.hint


def test_the_emulator_host_gives_anonymous_credentials_and_a_local_endpoint() -> None:
    env = {cr.EMULATOR_ENV: "localhost:8085"}
    assert cr.emulator_endpoint(env) == "http://localhost:8085"
    assert type(cr.credentials_for(cr.GMAIL_SCOPES, subject="x@example.org",
                                   environ=env)).__name__ == "AnonymousCredentials"
    from destsync.errors import ConfigError

    with pytest.raises(ConfigError):
        cr.emulator_endpoint({cr.EMULATOR_ENV: "not a host"})


def test_questions_config_is_untouched() -> None:
    assert "email" in DEFAULT_QUESTIONS  # the Forms adapter maps these titles
