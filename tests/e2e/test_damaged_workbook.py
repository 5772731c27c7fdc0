"""A workbook damaged inside its zip (a flipped byte, a cut-off file) is exit 2 naming the
file, never an unexpected error, and the damaged copy is left exactly as it was."""

from __future__ import annotations

from tests.e2e.conftest import School, expect_one_line_error


def test_damage_anywhere_in_the_workbook_is_one_clear_line(school: School) -> None:
    school.sync()
    good = school.tracker.read_bytes()
    n = len(good)
    damaged = []
    for k in range(24):
        b = bytearray(good)
        b[(k * 7919 + 31) % n] ^= 0xFF
        damaged.append(bytes(b))
    damaged += [good[: n // 2], good[: n - 7], good[:200]]
    refused = 0
    for data in damaged:
        school.tracker.write_bytes(data)
        code, _, err = school.cli("sync", "--config", str(school.config), "--now",
                                  "2026-11-03")
        if code == 0:
            continue  # a byte no reader needs (a zip header's timestamp, docProps, theme)
        expect_one_line_error(code, err, "tracker.xlsx", "not a readable .xlsx")
        assert school.tracker.read_bytes() == data  # untouched: nothing half-written
        refused += 1
    assert refused >= len(damaged) // 2, refused  # 16 of 27 when written
