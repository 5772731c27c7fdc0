"""A Google Sheet whose merge base tab an older destsync wrote (one row per cell): read as
before, and converted Ref by Ref by the writes that touch them, old values blanked."""

from __future__ import annotations

import pytest

from destsync.domain import base_tab
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.emulator.a1 import cell_name

pytestmark = pytest.mark.slow


def base_rows(remote: RemoteSchool) -> list[list[str]]:
    return [[row.get("Ref", ""), row.get("Column", ""), row.get("Value", "")]
            for row in remote.tab(base_tab.BASE_TAB)]


def test_an_old_format_base_is_read_as_before_and_converted_by_the_next_write(
        remote: RemoteSchool) -> None:
    remote.setup()
    remote.submit_csv_responses()
    remote.sync()
    assert all(r[1].startswith("{") for r in base_rows(remote) if r[0])  # one row per Ref
    base = base_tab.decode(base_rows(remote))
    sheet = remote.sheets.book(SHEET_ID).sheet_by_title(base_tab.BASE_TAB)
    sheet.rows = sheet.rows[:1] + [[ref, col, value] for (ref, col), value in base.items()]
    sheet.row_count = max(sheet.row_count, len(sheet.rows) + 10)

    again = remote.sync("2026-11-03")  # read in the old format: nothing looks edited
    assert again["cells_updated"] == 0
    assert base_tab.decode(base_rows(remote)) == base

    rows = remote.tracker()
    withdraws = next(r for r, row in rows.items() if row["Personal email"])
    email = rows[withdraws]["Personal email"]
    values = remote.sheets.values(SHEET_ID, "Tracker")
    r = next(i for i, v in enumerate(values) if v and v[0] == withdraws)
    remote.sheets.edit_cell(SHEET_ID, "Tracker", cell_name(r, values[0].index("Consent")),
                            "Withdrawn")
    remote.sync("2026-11-04")
    after = base_rows(remote)
    assert email not in str(after)  # the old one-cell row holding it was blanked
    mine = [row for row in after if row[0] == withdraws]
    assert len(mine) == 1 and mine[0][1].startswith("{")
    others = {k: v for k, v in base.items() if k[0] != withdraws}
    assert {k: v for k, v in base_tab.decode(after).items() if k[0] != withdraws} == others
