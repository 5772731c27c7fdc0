"""A trust run paced to the per-user quota: many academies, one shared pacer, and the
emulator refusing like Google past the quota (virtual clock: no real waiting)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from destsync.adapters.google.calls import short_name
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


ANSWER = {"name": "Robin Newcombe", "dob": "03/03/2008", "leaving_year": "2026",
          "destination": "Apprenticeship", "consent": "Yes"}


def test_the_summary_counts_every_call_by_method_and_each_academy_its_own(
    trust: Trust,
) -> None:
    """``api_calls`` is what Google (here the emulator) was asked, by API and method, over
    the whole run; each academy's entry holds its own calls, and they add up to it."""
    trust.cli("setup", "--config", str(trust.config))
    trust.cli("sync", "--config", str(trust.config), "--now", "2026-11-02")
    trust.submit(1, ANSWER, "2026-11-03T10:00:00Z")  # only A01 has something new
    before = trust.emu.calls()
    _, summary = trust.cli("sync", "--config", str(trust.config), "--now", "2026-11-04",
                           "--json")
    made = {short_name(k): n - before.get(k, 0) for k, n in trust.emu.calls().items()
            if n > before.get(k, 0)}
    totals = {f"{api}.{m}": n for api, methods in summary["api_calls"].items()
              for m, n in methods.items()}
    assert totals == made
    summed: Counter[str] = Counter()
    for entry in summary["academies"].values():
        summed.update(entry["api_calls"])
    assert dict(summed) == totals
    entries = summary["academies"]
    assert entries["A01"]["api_calls"]["sheets.values.batchUpdateByDataFilter"] == 1
    assert entries["A01"]["responses_read"] == 1
    for code in ("A00", "A02", "A03"):  # nothing new: the read, the forms, the lease
        assert entries[code]["api_calls"] == {
            "forms.get": 1, "forms.responses.list": 1, "sheets.batchUpdate": 2,
            "sheets.get": 1, "sheets.values.batchGet": 1}, code
