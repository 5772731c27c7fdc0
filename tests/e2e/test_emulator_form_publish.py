"""Form A and publishing: Google's Forms API guide says forms created through the API
after June 30, 2026 are unpublished and take no responses until
``forms.setPublishSettings`` publishes them. The emulator models that; `destsync setup`
publishes Form A once, and `sync`/`check` say in one line when the form takes no answers."""

from __future__ import annotations

import pytest

from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    FORM_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.emulator import ApiError

pytestmark = pytest.mark.slow
WRITES = ("forms.forms.batchUpdate", "forms.forms.setPublishSettings", "forms.forms.create")


def unpublished(remote: RemoteSchool) -> None:
    """Replace the fixture's form with one as forms.create makes it now: unpublished."""
    remote.emu.state.forms.create("", form_id=FORM_ID, published=False)


def test_an_unpublished_form_takes_no_responses(remote: RemoteSchool) -> None:
    unpublished(remote)
    with pytest.raises(ApiError) as info:
        remote.submit({"name": "x"}, "2026-11-01T10:00:00Z")
    assert info.value.code == 403
    assert remote.emu.state.forms.forms[FORM_ID]["publishSettings"]["publishState"] == {
        "isPublished": False, "isAcceptingResponses": False}


def test_setup_publishes_form_a_once_and_a_second_run_changes_nothing(
    remote: RemoteSchool,
) -> None:
    unpublished(remote)
    out = remote.setup()
    assert "Form A was unpublished; published it" in out
    state = remote.emu.state.forms.forms[FORM_ID]["publishSettings"]["publishState"]
    assert state == {"isPublished": True, "isAcceptingResponses": True}
    before = remote.emu.calls()
    again = remote.setup()
    assert "Form A published, accepting responses" in again
    made = {m: n - before.get(m, 0) for m, n in remote.emu.calls().items()}
    assert not any(made.get(m) for m in WRITES)
    remote.submit({"reference": "R1", "name": "x", "consent": "Yes"}, "2026-11-01T10:00:00Z")


def test_setup_reports_but_does_not_reopen_a_form_staff_closed(remote: RemoteSchool) -> None:
    remote.setup()
    remote.emu.state.forms.forms[FORM_ID]["publishSettings"]["publishState"][
        "isAcceptingResponses"] = False
    out = remote.setup()
    assert "NOT accepting responses" in out
    assert not remote.emu.state.forms.accepting(FORM_ID)


@pytest.mark.parametrize("published", [False, True])
def test_sync_and_check_warn_in_one_line_when_the_form_takes_no_responses(
    remote: RemoteSchool, published: bool
) -> None:
    remote.setup()
    state = remote.emu.state.forms.forms[FORM_ID]["publishSettings"]["publishState"]
    state.update(isPublished=published, isAcceptingResponses=False)
    summary = remote.sync()
    [warning] = summary["warnings"]
    assert warning.startswith(f"OAK: form {FORM_ID} is not ")
    assert ("run `destsync setup`" in warning) != published
    code, out, _ = remote.cli("check", "--config", str(remote.config))
    assert code == 0
    assert sum("warning:" in line for line in out.splitlines()) == 1
    state.update(isPublished=True, isAcceptingResponses=True)
    assert remote.sync()["warnings"] == []
