"""Forms and Gmail through the emulator with the real googleapiclient."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from googleapiclient.errors import HttpError

from tests.emulator import Emulator
from tests.emulator.clients import google_service


@pytest.fixture(scope="module")
def server() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture()
def emu(server: Emulator) -> Emulator:
    server.reset()
    return server


def test_forms_create_allows_only_title(emu: Emulator) -> None:
    forms = google_service("forms", "v1", emu.url)
    with pytest.raises(HttpError) as info:
        forms.forms().create(body={"info": {"title": "Form A", "description": "x"}}).execute()
    assert info.value.status_code == 400
    form = forms.forms().create(body={"info": {"title": "Form A"}}).execute()
    reply = (
        forms.forms()
        .batchUpdate(
            formId=form["formId"],
            body={
                "includeFormInResponse": True,
                "requests": [
                    {
                        "createItem": {
                            "item": {
                                "title": "Reference",
                                "questionItem": {"question": {"textQuestion": {}}},
                            },
                            "location": {"index": 0},
                        }
                    },
                    {
                        "updateFormInfo": {
                            "info": {"description": "Where next?"},
                            "updateMask": "description",
                        }
                    },
                ],
            },
        )
        .execute()
    )
    qid = reply["replies"][0]["createItem"]["questionId"][0]
    got = forms.forms().get(formId=form["formId"]).execute()
    assert got["items"][0]["questionItem"]["question"]["questionId"] == qid
    assert got["info"]["description"] == "Where next?"
    assert got["revisionId"] == reply["form"]["revisionId"] != form["revisionId"]


def test_forms_responses_page_and_filter(emu: Emulator) -> None:
    form = emu.state.forms.seed(
        {
            "formId": "form-a",
            "title": "Form A",
            "questions": [{"title": "Reference", "questionId": "1a2b3c4d"}],
        }
    )
    for i in range(12):
        emu.state.forms.add_response(
            "form-a", {"Reference": f"R{i:03d}"}, submitted=f"2025-01-{i + 1:02d}T09:00:00Z"
        )
    forms = google_service("forms", "v1", emu.url)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = (
            forms.forms()
            .responses()
            .list(
                formId=form["formId"],
                pageSize=5,
                pageToken=token,
                filter="timestamp >= 2025-01-03T09:00:00Z",
            )
            .execute()
        )
        pages += 1
        seen += [
            r["answers"]["1a2b3c4d"]["textAnswers"]["answers"][0]["value"]
            for r in page["responses"]
        ]
        token = page.get("nextPageToken")
        if not token:
            break
    assert pages == 2 and seen == [f"R{i:03d}" for i in range(2, 12)]
    strict = (
        forms.forms().responses().list(formId="form-a", filter="timestamp > 2025-01-12T09:00:00Z")
    )
    assert strict.execute() == {}
    one = (
        forms.forms()
        .responses()
        .get(formId="form-a", responseId=page["responses"][0]["responseId"])
    )
    assert one.execute()["lastSubmittedTime"] == "2025-01-08T09:00:00Z"
    assert emu.calls()["forms.forms.responses.list"] == 3


def _raw(to: str, subject: str, msgid: str) -> str:
    msg = EmailMessage()
    msg["From"] = "careers@example.org"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    msg.set_content("Please tell us where you are now.")
    return base64.urlsafe_b64encode(msg.as_bytes()).decode()


def test_gmail_send_then_find_by_rfc822msgid_and_bounce(emu: Emulator) -> None:
    emu.gmail_config(replace_message_id=False)  # the search language, not Gmail's rewrite
    gmail = google_service("gmail", "v1", emu.url)
    msgid = "<destsync-R001-2025@example.org>"
    sent = (
        gmail.users()
        .messages()
        .send(userId="me", body={"raw": _raw("student.a@example.org", "Year 1 follow-up", msgid)})
        .execute()
    )
    assert sent["labelIds"] == ["SENT"]
    gmail.users().messages().send(
        userId="me",
        body={"raw": _raw("student.b@example.org", "Year 1 follow-up", "<x@example.org>")},
    ).execute()
    found = gmail.users().messages().list(userId="me", q=f"rfc822msgid:{msgid}").execute()
    assert found["messages"] == [{"id": sent["id"], "threadId": sent["threadId"]}]
    both = (
        gmail.users()
        .messages()
        .list(userId="me", q="in:sent subject:follow-up", maxResults=1)
        .execute()
    )
    assert len(both["messages"]) == 1 and "nextPageToken" in both
    assert (
        gmail.users()
        .messages()
        .list(userId="me", q="to:student.b@example.org")
        .execute()["resultSizeEstimate"]
        == 1
    )
    meta = (
        gmail.users()
        .messages()
        .get(userId="me", id=sent["id"], format="metadata", metadataHeaders=["Subject"])
        .execute()
    )
    assert meta["payload"]["headers"] == [{"name": "Subject", "value": "Year 1 follow-up"}]
    emu.state.gmail.bounce(sent["id"])
    inbox = gmail.users().messages().list(userId="me", q="in:inbox").execute()["messages"]
    assert inbox[0]["threadId"] == sent["threadId"]
    assert emu.state.gmail.sent()[0]["bounced"] is True


def test_gmail_replaces_the_message_id_and_its_search_lags(emu: Emulator) -> None:
    gmail = google_service("gmail", "v1", emu.url)
    emu.gmail_config(search_lag_seconds=60)
    msgid = "<destsync-R002-2025@example.org>"
    raw = _raw("student.a@example.org", "Year 1 follow-up", msgid)
    sent = gmail.users().messages().send(userId="me", body={"raw": raw}).execute()
    got = emu.state.gmail.by_id(sent["id"]).header("Message-ID")
    assert got != msgid and got.endswith("@mail.example.org>")
    assert "messages" not in gmail.users().messages().list(
        userId="me", q=f"rfc822msgid:{got}").execute()  # not indexed yet
    emu.gmail_config(search_lag_seconds=0)
    assert gmail.users().messages().list(userId="me", q=f"rfc822msgid:{got}").execute()[
        "messages"] == [{"id": sent["id"], "threadId": sent["threadId"]}]
    assert "messages" not in gmail.users().messages().list(
        userId="me", q=f"rfc822msgid:{msgid}").execute()


def test_gmail_drafts_create_get_send_then_404(emu: Emulator) -> None:
    gmail = google_service("gmail", "v1", emu.url)
    drafts = gmail.users().drafts()
    raw = _raw("student.a@example.org", "Year 1 follow-up", "<d@example.org>")
    made = drafts.create(userId="me", body={"message": {"raw": raw}}).execute()
    assert made["message"]["labelIds"] == ["DRAFT"]
    assert drafts.get(userId="me", id=made["id"]).execute()["id"] == made["id"]
    assert [d["id"] for d in drafts.list(userId="me").execute()["drafts"]] == [made["id"]]
    assert emu.state.gmail.sent() == []
    sent = drafts.send(userId="me", body={"id": made["id"]}).execute()
    assert sent["labelIds"] == ["SENT"] and sent["id"] != made["message"]["id"]
    with pytest.raises(HttpError) as gone:
        drafts.get(userId="me", id=made["id"]).execute()
    assert gone.value.resp.status == 404
    with pytest.raises(HttpError):
        drafts.send(userId="me", body={"id": made["id"]}).execute()  # never twice
    assert len(emu.state.gmail.sent()) == 1 and drafts.list(userId="me").execute() == {}
    other = drafts.create(userId="me", body={"message": {"raw": raw}}).execute()
    drafts.delete(userId="me", id=other["id"]).execute()
    assert drafts.list(userId="me").execute() == {}
