"""A sync stopped at any call, then rerun, leaves exactly what an uninterrupted sync
leaves: the tracker, Review, Change log, Returns and the hidden state tabs, timestamps
aside. For every call index k, in both ways a stop happens: the call dropped before
Google applies it, or applied with its answer lost (then an outage outlasting the
retries, so the run ends there)."""

from __future__ import annotations

from typing import Any

import pytest

from destsync.adapters.google import sheets_api
from destsync.adapters.google.retry import RetryPolicy
from destsync.adapters.google.sheets_lock import DESCRIPTION
from destsync.domain import base_tab
from destsync.domain.model import COLUMNS
from destsync.domain.withdrawal import DIGEST_KEY
from destsync.entrypoints import bootstrap
from tests.e2e import sweep_scenario as sc
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.emulator.a1 import cell_name

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "retry_policy", lambda cfg: RetryPolicy(
        total_seconds=0.3, first_delay=0.001, max_delay=0.005, max_attempts=4))


def stopped_run(remote: RemoteSchool, k: int, mode: str) -> tuple[int, str]:
    remote.emu.stop_at(k, mode)
    code, _, err = remote.cli("sync", "--config", str(remote.config), "--now", sc.SECOND,
                              "--json")
    remote.emu.clear_faults()
    return code, err


@pytest.mark.parametrize("max_body", [0, 12_000], ids=["one-request", "in-parts"])
def test_a_stop_at_any_call_then_a_rerun_converges(
    remote: RemoteSchool, monkeypatch: pytest.MonkeyPatch, max_body: int,
) -> None:
    """With ``max_body`` 12 kB the value write goes in several requests (sheets_journal),
    so stops fall between parts too (asserted below: more than one value write)."""
    if max_body:
        monkeypatch.setattr(sheets_api, "MAX_BODY", max_body)
    sc.prepare(remote)
    saved = sc.save(remote)
    by_method = remote.emu.calls()
    before = sum(by_method.values())
    whole = remote.sync(sc.SECOND)
    writes = {m: n - by_method.get(m, 0) for m, n in remote.emu.calls().items()}
    parts = sum(n for m, n in writes.items() if m.endswith("batchUpdateByDataFilter"))
    # The ledger's pending rows (before the sends) and its flush are two writes besides.
    assert (parts > 3) == bool(max_body), writes
    assert whole["conflicts"] >= 1, whole
    assert whole["rows_added"] == 5 and whole["returns_frozen"] == 1
    calls = sum(remote.emu.calls().values()) - before
    expected = sc.contents(remote)
    sc.restore(remote, saved)
    start = sc.contents(remote)
    failures: list[str] = []
    cases = 0
    for k in range(1, calls + 1):
        for mode in ("dropped", "lost", "error"):
            cases += 1
            sc.restore(remote, saved)
            code, err = stopped_run(remote, k, mode)
            failures += [f"k={k} {mode}: {f}" for f in _claims(remote, code, err, start,
                                                                 expected)]
            remote.sync(sc.SECOND)  # an ordinary rerun
            got = sc.contents(remote)
            bad = _diff(expected, got)
            if _locks(remote):
                bad += "; the write lock is still on the sheet"
            if bad:
                failures.append(f"k={k} {mode} (exit {code}, {err.strip()[:160]!r}): {bad}")
    print(f"\n{cases} cases over {calls} calls; {len(failures)} failed")
    assert not failures, "\n".join(failures)


def _claims(remote: RemoteSchool, code: int, err: str, start: dict[str, Any],
            expected: dict[str, Any]) -> list[str]:
    """What a stopped run's error says was or was not written must be true."""
    if code == 0:
        return []
    hint = next((ln for ln in err.splitlines() if ln.startswith("hint:")), "")
    now = sc.contents(remote)
    out = []
    if sc.pending_rows(remote) and "new rows were added" not in hint:
        out.append(f"rows left unfilled, but the hint says {hint!r}")
    if "nothing was written" in err and _diff(start, now):
        out.append(f"it says nothing was written, but {_diff(start, now)}")
    want = _unlocked(expected)
    if "the values are written" in hint and _diff(want, _unlocked(now)):
        out.append(f"it says the values are written, but {_diff(want, _unlocked(now))}")
    return out


def _unlocked(contents: dict[str, Any]) -> dict[str, Any]:
    """``contents`` as the next read leaves them (the stopped run's lock record cleared),
    without the send ledger and the withdrawal follow-up's digest: the run stopped before
    its sends and that follow-up, which come after the write (the rerun's convergence,
    checked apart, covers them)."""
    meta = [["write_lock"] if r and r[0] == "write_lock" else r
            for r in contents.get("_destsync_meta", []) if not (r and r[0] == DIGEST_KEY)]
    return {**contents, "_destsync_meta": meta, "_destsync_ledger": []}


def _locks(remote: RemoteSchool) -> list[Any]:
    ss = remote.sheets.spreadsheets[SHEET_ID]
    return [p for sh in ss.sheets for p in sh.protected if p.get("description") == DESCRIPTION]


def _diff(expected: dict[str, Any], got: dict[str, Any]) -> str:
    out = []
    for tab in sorted(set(expected) | set(got)):
        a, b = expected.get(tab, []), got.get(tab, [])
        if a != b:
            extra = [r for r in b if r not in a][:2]
            missing = [r for r in a if r not in b][:2]
            out.append(f"{tab}: {len(a)} rows expected, {len(b)} got; "
                       f"missing {missing}, extra {extra}")
    return "; ".join(out)


def test_a_staff_edit_to_a_row_a_stopped_run_added_is_kept_and_based_on_destsync(
    remote: RemoteSchool,
) -> None:
    """Rows added by a run stopped before its value write are re-planned as new by the
    next run; a cell a person changed on such a row in between stays theirs: the merge
    base records destsync's value, so the next run sees the edit as the person's."""
    sc.prepare(remote)
    remote.emu.fault(503, 1000, ["sheets.spreadsheets.values.batchUpdateByDataFilter"])
    code, _, err = remote.cli("sync", "--config", str(remote.config), "--now", sc.SECOND)
    remote.emu.clear_faults()
    assert code != 0 and "new rows were added" in err
    ref = sorted(sc.pending_rows(remote).split(","))[0]
    values = remote.sheets.values(SHEET_ID, "Tracker")
    header, r = values[0], next(i for i, v in enumerate(values) if v and v[0] == ref)
    c = next(c for c, v in enumerate(values[r]) if v not in ("", None) and c > 0)
    ours = str(values[r][c])
    remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(r, c), "Typed by staff")
    remote.sync(sc.SECOND)  # completes the stopped run
    assert not sc.pending_rows(remote)
    assert remote.tracker()[ref][header[c]] == "Typed by staff"
    base = base_tab.decode([row["Ref"], row.get("Column", ""), row.get("Value", "")]
                           for row in remote.tab("_destsync_base"))
    key = next(col.key for col in COLUMNS if col.header == header[c])
    assert base[(ref, key)] == ours  # destsync's value: the edit stays the person's
    again = remote.sync(sc.SECOND)
    assert remote.tracker()[ref][header[c]] == "Typed by staff"
    assert again["cells_updated"] == 0
