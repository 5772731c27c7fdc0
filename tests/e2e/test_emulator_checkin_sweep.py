"""A sync with check-ins stopped at any call, then rerun, leaves exactly what an
uninterrupted one leaves: the Applications tab (new rows, changed cells, a staff edit
kept as a Conflict), the Intended columns, Review, Change log and the hidden state,
timestamps aside (issue 16). Each call is stopped three ways: dropped before Google
applies it, applied with its answer lost, applied and answered 500."""

from __future__ import annotations

import pytest

from destsync.adapters.google import sheets_api
from destsync.domain.applications_tab import APPLICATIONS
from tests.e2e import sweep_scenario as sc
from tests.e2e.emulated import (  # noqa: F401
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.e2e.test_emulator_checkin import submit, with_checkin
from tests.e2e.test_emulator_stop_sweep import fast_retries  # noqa: F401 (autouse)

pytestmark = pytest.mark.slow
FORM = "checkin-oak"
RUN = "2026-11-02"


def prepare(remote: RemoteSchool) -> None:
    with_checkin(remote, FORM)
    remote.emu.state.forms.create("", form_id=FORM)
    remote.setup()
    remote.sync("2026-09-20")
    students = sorted((r for r in remote.tracker().values() if r["Leaving year"] == "2027"),
                      key=lambda r: r["Ref"])[:3]
    for n, s in enumerate(students):
        submit(remote, FORM, f"2026-10-0{n + 1}T09:00:00Z", reference=s["Ref"],
               name=f"{s['Forename']} {s['Surname']}", intended="University",
               app1_provider="University of Example", app1_course=f"Course {n}",
               app1_status="Applied", app2_provider="Example College", app2_course="Law")
    remote.sync("2026-10-05")
    values = remote.sheets.values(SHEET_ID, APPLICATIONS)
    row = 1 + next(i for i, v in enumerate(values) if "Course 0" in v)
    remote.sheets.edit_cell(SHEET_ID, APPLICATIONS, f"{'ABCDEFG'[values[0].index('Status')]}"
                            f"{row}", "Offer")  # staff heard from the university
    for n, s in enumerate(students):
        submit(remote, FORM, f"2026-10-2{n + 1}T09:00:00Z", reference=s["Ref"],
               name=f"{s['Forename']} {s['Surname']}", intended="Apprenticeship",
               app1_provider="University of Example", app1_course=f"Course {n}",
               app1_status="Rejected", app2_provider="Example Works",
               app2_course="Engineering apprenticeship", app2_status="Firm")


@pytest.mark.parametrize("max_body", [0, 6_000], ids=["one-request", "in-parts"])
def test_a_check_in_sync_stopped_at_any_call_converges(
        remote: RemoteSchool, monkeypatch: pytest.MonkeyPatch, max_body: int) -> None:
    if max_body:
        monkeypatch.setattr(sheets_api, "MAX_BODY", max_body)
    prepare(remote)
    saved = sc.save(remote)
    by_method = remote.emu.calls()
    before = sum(by_method.values())
    whole = remote.sync(RUN)
    assert whole["applications_added"] == 3 and whole["conflicts"] >= 1, whole
    writes = {m: n - by_method.get(m, 0) for m, n in remote.emu.calls().items()}
    parts = sum(n for m, n in writes.items() if m.endswith("batchUpdateByDataFilter"))
    # In parts: more than the value write, the follow-up and the ledger's pending rows.
    assert (parts > 3) == bool(max_body), writes
    calls = sum(remote.emu.calls().values()) - before
    expected = sc.contents(remote)
    assert len(expected[APPLICATIONS]) == 1 + 6 + 3  # header, the first six, three new
    failures: list[str] = []
    for k in range(1, calls + 1):
        for mode in ("dropped", "lost", "error"):
            sc.restore(remote, saved)
            remote.emu.stop_at(k, mode)
            code, _, err = remote.cli("sync", "--config", str(remote.config), "--now", RUN,
                                      "--json")
            remote.emu.clear_faults()
            remote.sync(RUN)  # an ordinary rerun
            got = sc.contents(remote)
            bad = [t for t in sorted(set(expected) | set(got))
                   if expected.get(t) != got.get(t)]
            if bad:
                failures.append(f"k={k} {mode} (exit {code}, {err.strip()[:120]!r}): {bad}")
    import sys
    sys.__stderr__.write(f"\n{3 * calls} cases over {calls} calls, {parts} value writes\n")
    assert not failures, "\n".join(failures)
