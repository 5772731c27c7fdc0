"""A trust run paced to the per-user quota: many academies, one shared pacer, and the
emulator refusing like Google past the quota (virtual clock: no real waiting)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.emulated_trust import Trust
from tests.emulator import Emulator


@pytest.fixture(name="trust")
def trust_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Trust]:
    with Emulator() as emu:
        monkeypatch.setenv("WORKSPACE_EMULATOR_HOST", emu.host)
        t = Trust(tmp_path, emu, academies=4, per_minute=5)
        try:
            yield t
        finally:
            t.close()


def test_a_trust_run_meets_no_429_and_waits_for_the_quota(trust: Trust) -> None:
    trust.cli("setup", "--config", str(trust.config))
    for n in range(4):
        trust.submit(n, {"name": "Robin Newcombe", "dob": "03/03/2008", "leaving_year": "2026",
                         "destination": "Apprenticeship", "consent": "Yes"},
                     "2026-06-01T10:00:00Z")
    trust.start_quota()
    before = trust.calls()
    _, summary = trust.cli("sync", "--config", str(trust.config), "--now", "2026-11-02",
                           "--json")
    assert summary["rows_added"] == 4 * (12 + 1)  # each: its roster of 12, one stranger
    assert trust.refused() == 0
    # More calls than one minute's quota went out, so the pacer must have waited.
    assert trust.calls() - before > 2 * 5
    assert trust.clock.offset >= 60
