"""The merge base tab: one JSON row per Ref, the old one-row-per-cell format still read."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from destsync.domain import base_tab

REFS = st.sampled_from(["OAK-1", "OAK-2", "ASH-10"])
COLS = st.sampled_from(["email", "phone", "g1_destination", "consent", "notes"])
BASES = st.dictionaries(st.tuples(REFS, COLS), st.text(max_size=40))


@given(BASES)
def test_a_base_written_in_the_new_format_reads_back_the_same(base: dict) -> None:
    rows = base_tab.encode(base)
    assert base_tab.decode(rows) == base
    assert len(rows) == len({ref for ref, _ in base})  # one row per Ref


@given(BASES)
def test_the_old_one_row_per_cell_format_reads_as_before(base: dict) -> None:
    assert base_tab.decode([[r, c, v] for (r, c), v in base.items()]) == base


def test_where_a_ref_has_both_formats_the_json_value_wins_and_old_cells_fill_in() -> None:
    rows = [["OAK-1", "email", "old@example.org"], ["OAK-1", "phone", "0770"],
            ["OAK-1", json.dumps({"email": "new@example.org"})]]
    assert base_tab.decode(rows) == {("OAK-1", "email"): "new@example.org",
                                     ("OAK-1", "phone"): "0770"}


def test_a_value_too_long_for_the_json_cell_keeps_a_row_of_its_own() -> None:
    long = "x" * (base_tab.CELL_LIMIT + 10)
    base = {("OAK-1", "notes"): long, ("OAK-1", "email"): "a@example.org"}
    rows = base_tab.encode(base)
    assert rows[0][:1] == ["OAK-1"] and len(rows[0][1]) <= base_tab.CELL_LIMIT
    assert ["OAK-1", "notes", long] in rows
    assert base_tab.decode(rows) == base


def test_a_hand_edited_json_cell_is_skipped_not_fatal() -> None:
    rows = [["OAK-1", "{not json"], ["OAK-2", '{"email": "b@example.org"}'], ["", "x", "y"]]
    assert base_tab.decode(rows) == {("OAK-2", "email"): "b@example.org"}


def test_rows_are_keyed_to_be_written_again_in_place() -> None:
    assert base_tab.row_key(["OAK-1", '{"email": ""}', ""]) == ("OAK-1",)
    assert base_tab.row_key(["OAK-1", "email", "a@example.org"]) == ("OAK-1", "email")
