"""A sync stopped at any call, then rerun, leaves exactly what an uninterrupted sync
leaves: the tracker, Review, Change log, Returns and the hidden state tabs, timestamps
aside. For every call index k, in both ways a stop happens: the call dropped before
Google applies it, or applied with its answer lost (then an outage outlasting the
retries, so the run ends there)."""

from __future__ import annotations

from typing import Any

import pytest

from destsync.adapters.google.retry import RetryPolicy
from destsync.entrypoints import bootstrap
from tests.e2e import sweep_scenario as sc
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)

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


def test_a_stop_at_any_call_then_a_rerun_converges(remote: RemoteSchool) -> None:
    sc.prepare(remote)
    saved = sc.save(remote)
    before = sum(remote.emu.calls().values())
    whole = remote.sync(sc.SECOND)
    assert whole["conflicts"] >= 1, whole
    assert whole["rows_added"] == 5 and whole["returns_frozen"] == 1
    calls = sum(remote.emu.calls().values()) - before
    expected = sc.contents(remote)
    failures: list[str] = []
    cases = 0
    for k in range(1, calls + 1):
        for mode in ("dropped", "lost", "error"):
            cases += 1
            sc.restore(remote, saved)
            code, err = stopped_run(remote, k, mode)
            hint = next((ln for ln in err.splitlines() if ln.startswith("hint:")), "")
            if code != 0 and sc.pending_rows(remote) and "new rows were added" not in hint:
                failures.append(f"k={k} {mode}: rows left unfilled, but the hint says {hint!r}")
            remote.sync(sc.SECOND)  # an ordinary rerun
            got = sc.contents(remote)
            bad = _diff(expected, got)
            if bad:
                failures.append(f"k={k} {mode} (exit {code}, {err.strip()[:160]!r}): {bad}")
    print(f"\n{cases} cases over {calls} calls; {len(failures)} failed")
    assert not failures, "\n".join(failures)


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
