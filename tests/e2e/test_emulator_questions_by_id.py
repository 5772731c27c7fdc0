"""Questions by id: after the first sync, a reworded Form A question keeps working; only a
deleted one is an error. Real Google client libraries against the emulator."""

from __future__ import annotations

import pytest

from destsync.config.settings import DEFAULT_QUESTIONS
from tests.e2e.conftest import expect_one_line_error
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    FORM_ID,
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)

pytestmark = pytest.mark.slow
NEW_TITLE = "Where are you going next? (pick one)"


def _item(remote: RemoteSchool, title: str) -> dict:  # type: ignore[type-arg]
    form = remote.emu.state.forms.form(FORM_ID)
    return next(i for i in form["items"] if i.get("title") == title)  # type: ignore[no-any-return]


def test_a_reworded_question_keeps_working_and_a_deleted_one_is_named(
    remote: RemoteSchool,
) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.sync()
    # A row the write lock's journal reserved and never filled is blank: skip it.
    meta = {r["Key"]: r.get("Value", "") for r in remote.tab("_destsync_meta") if r.get("Key")}
    assert meta.get("question|destination")
    _item(remote, DEFAULT_QUESTIONS["destination"])["title"] = NEW_TITLE
    ref = sorted(r for r, row in remote.tracker().items()
                 if row["Leaving year"] == "2026" and not row["Actual destination"])[0]
    remote.emu.state.forms.add_response(FORM_ID, {
        DEFAULT_QUESTIONS["reference"]: ref, NEW_TITLE: "Apprenticeship",
        DEFAULT_QUESTIONS["consent"]: "Yes"}, "2026-11-05T10:00:00Z")
    remote.sync("2026-11-06")
    assert remote.tracker()[ref]["Actual destination"] == "Apprenticeship"
    logged = [r for r in remote.tab("Change log") if r["Field"] == "Form A question"]
    assert [r["New"] for r in logged] == [NEW_TITLE]
    remote.sync("2026-11-07")
    assert len([r for r in remote.tab("Change log") if r["Field"] == "Form A question"]) == 1
    code, out, _ = remote.cli("check", "--config", str(remote.config))
    assert code == 0 and NEW_TITLE in out
    form = remote.emu.state.forms.form(FORM_ID)
    form["items"] = [i for i in form["items"] if i.get("title") != NEW_TITLE]
    code, _, err = remote.cli("sync", "--config", str(remote.config), "--now", "2026-11-08")
    expect_one_line_error(code, err, "destination", "deleted")
