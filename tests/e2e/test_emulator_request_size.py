"""Requests Google accepts (issue 15 item 5): no Sheets values write over the adapter's
limit, as Google recommends "a 2 MB maximum payload"; the emulator refuses any API body
over its own limit with the 400 users of the API report from Google."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from destsync.adapters.google import sheets_api
from destsync.adapters.google.retry import RetryPolicy
from destsync.entrypoints import bootstrap
from tests.e2e import sweep_scenario as sc
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.emulator import Emulator

WRITE = "sheets.spreadsheets.values.batchUpdateByDataFilter"
SMALL = 4_000  # bytes: the scenario's value write needs several parts under this


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "retry_policy", lambda cfg: RetryPolicy(
        total_seconds=0.3, first_delay=0.001, max_delay=0.005, max_attempts=4))


def test_the_emulator_refuses_a_body_over_its_limit_with_googles_400(
    emulator: Emulator,
) -> None:
    emulator.state.max_body_bytes = 200
    body = json.dumps({"valueInputOption": "RAW", "data": [
        {"dataFilter": {"a1Range": "A1"}, "values": [["x" * 300]]}]}).encode()
    url = f"{emulator.url}/v4/spreadsheets/any:batchUpdateByDataFilter"
    request = urllib.request.Request(url.replace("/any:", "/any/values:"), body,
                                     {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 400
    error = json.loads(refused.value.read())["error"]
    assert error["message"] == "Request payload size exceeds the limit: 200 bytes."


def _run(remote: RemoteSchool, saved: object) -> tuple[int, dict[str, object]]:
    sc.restore(remote, saved)  # type: ignore[arg-type]
    before = remote.emu.calls().get(WRITE, 0)
    remote.sync(sc.SECOND)
    return remote.emu.calls().get(WRITE, 0) - before, sc.contents(remote)


def test_a_large_value_write_goes_in_parts_under_the_limit_with_the_same_result(
    remote: RemoteSchool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sc.prepare(remote)
    saved = sc.save(remote)
    whole_parts, whole = _run(remote, saved)
    monkeypatch.setattr(sheets_api, "MAX_BODY", SMALL)
    remote.emu.state.max_body_bytes = 1 << 30
    split_parts, split = _run(remote, saved)
    assert split_parts > whole_parts + 1  # (the send ledger's own write is one of them)
    assert split == whole


def test_parts_are_cut_in_order_and_each_stays_under_the_limit() -> None:
    items = [{"values": [["x" * n]]} for n in (10, 500, 30, 900, 5, 5, 5)]
    cut = sheets_api.parts(items, 1000)
    assert [i for part in cut for i in part] == items
    assert all(len(json.dumps(p)) <= 1000 for p in cut)
    assert [len(p) for p in cut] == [3, 4]  # greedy: a part closes only when full


def test_a_stop_between_two_parts_then_a_rerun_converges(
    remote: RemoteSchool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sc.prepare(remote)
    saved = sc.save(remote)
    monkeypatch.setattr(sheets_api, "MAX_BODY", SMALL)
    _, expected = _run(remote, saved)
    sc.restore(remote, saved)
    order_before = len(remote.emu.state.call_order)
    remote.sync(sc.SECOND)
    order = remote.emu.state.call_order[order_before:]
    second_part = [i for i, m in enumerate(order, start=1) if m == WRITE][1]
    sc.restore(remote, saved)
    remote.emu.stop_at(second_part, "dropped")
    code, _, _ = remote.cli("sync", "--config", str(remote.config), "--now", sc.SECOND)
    remote.emu.clear_faults()
    assert code != 0
    remote.sync(sc.SECOND)
    assert sc.contents(remote) == expected
