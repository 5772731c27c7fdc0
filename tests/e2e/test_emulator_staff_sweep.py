"""Staff working while destsync writes: a cell edit, a sort, an inserted row and an
inserted column, fired between every pair of API calls of the representative sync (see
sweep_scenario). None may lose a staff edit, put an answer on another student's row, or
put a value in another column.

While destsync holds its write lock (sheets_lock) Sheets refuses the action, as it shows
a person a protected cell; the person does it again once the run is over, which the sweep
does too. Actions outside the lock land at once and are checked by the re-read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e import sweep_scenario as sc
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.emulator.a1 import cell_name
from tests.emulator.sheets_staff import Protected

pytestmark = pytest.mark.slow
EDITED = "Edited by staff mid-run"
ADDED_COLUMN = "Tutor group (staff)"


def _records(remote: RemoteSchool) -> dict[str, dict[str, str]]:
    return {ref: {h: v for h, v in row.items() if h != ADDED_COLUMN}
            for ref, row in remote.tracker().items()}


def staff_actions(remote: RemoteSchool, target: str) -> dict[str, Callable[[], Any]]:
    def row_of(ref: str) -> int:
        values = remote.sheets.values(SHEET_ID, "Tracker")
        return next(i for i, v in enumerate(values) if v and v[0] == ref)

    def edit() -> None:
        header = remote.sheets.values(SHEET_ID, "Tracker")[0]
        col = header.index(sc.PROVIDER)
        remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(row_of(target), col), EDITED)

    return {
        "edit": edit,
        "sort": lambda: remote.sheets.sort_rows(SHEET_ID, "Tracker", by_col=2, descending=True),
        "insert_row": lambda: remote.sheets.insert_row(SHEET_ID, "Tracker", 1,
                                                       ["", "Note typed by staff"]),
        "insert_column": lambda: remote.sheets.insert_column(SHEET_ID, "Tracker", 2,
                                                             header=ADDED_COLUMN),
    }


def sweep(remote: RemoteSchool, last_pair: bool) -> tuple[int, list[str]]:
    """Fire each staff action after each call k; with ``last_pair`` only between the
    last re-read and the value write, else between every other pair of calls. A run
    that refuses to write blind may fail; it is then rerun, as the next sync would. An
    action Sheets refused (the lock) is done again after the run, as a person would."""
    sc.prepare(remote)
    saved = sc.save(remote)
    start = _records(remote)
    before = sum(remote.emu.calls().values())
    remote.sync(sc.SECOND)
    calls = sum(remote.emu.calls().values()) - before
    order = remote.emu.state.call_order[-calls:]
    expected = _records(remote)
    # A student whose provider this sync writes: the staff edit races destsync's write.
    target = sorted(ref for ref, row in expected.items() if ref in start
                    and row[sc.PROVIDER] != start[ref][sc.PROVIDER])[0]
    failures: list[str] = []
    cases = locked = 0
    # The pair (last re-read, value write) is the round trip no re-read can cover
    # (Sheets has no conditional write): the write lock holds it. Found by method, as
    # other calls (the lease, the ledger) come before and after it.
    reread = "sheets.spreadsheets.values.batchGetByDataFilter"
    window = max(i for i, m in enumerate(order, start=1) if m == reread)
    assert order[window] == "sheets.spreadsheets.values.batchUpdateByDataFilter"
    for k in [window] if last_pair else [k for k in range(1, calls) if k != window]:
        for name in ("edit", "sort", "insert_row", "insert_column"):
            cases += 1
            sc.restore(remote, saved)
            action = staff_actions(remote, target)[name]
            refused: list[Protected] = []

            def attempt(action: Callable[[], Any] = action,
                        refused: list[Protected] = refused) -> None:
                try:
                    action()
                except Protected as exc:
                    refused.append(exc)

            remote.emu.state.schedule_after_calls(k, attempt)
            code, _, _ = remote.cli("sync", "--config", str(remote.config), "--now",
                                      sc.SECOND, "--json")
            if code != 0:
                remote.sync(sc.SECOND)  # a run that refused to write blind; rerun it
            if refused:
                locked += 1
                action()  # the person tries again after the run: it lands now
            want = {ref: dict(row) for ref, row in expected.items()}
            if name == "edit":
                want[target][sc.PROVIDER] = EDITED
            got = _records(remote)
            bad = [f"{ref}.{h}: {got.get(ref, {}).get(h)!r} (want {v!r})"
                   for ref, row in want.items() for h, v in row.items()
                   if got.get(ref, {}).get(h) != v]
            bad += [f"extra row {ref}" for ref in set(got) - set(want)]
            if bad:
                failures.append(f"{name} after call {k} (exit {code}): {len(bad)} cells, "
                                f"e.g. {bad[:3]}")
    assert cases == 4 * (1 if last_pair else calls - 2)
    if last_pair:  # the window no re-read can cover is exactly the one the lock holds
        assert locked == cases, f"{locked} of {cases} actions were refused by the lock"
    return cases, failures


def test_staff_actions_between_any_two_calls_lose_nothing_and_misplace_nothing(
    remote: RemoteSchool,
) -> None:
    _, failures = sweep(remote, last_pair=False)
    assert not failures, "\n".join(failures)


def test_staff_actions_between_the_last_reread_and_the_value_write(
    remote: RemoteSchool,
) -> None:
    _, failures = sweep(remote, last_pair=True)
    assert not failures, "\n".join(failures)
