"""The trust's Metrics tab as the domain computes it: counted by hand here, from rows
whose every figure is obvious, so a wrong count cannot hide in a shared helper."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from destsync.domain.calendar import DEFAULT_CHECKPOINTS, AcademicCalendar
from destsync.domain.layout import return_rows
from destsync.domain.metrics import (
    METRICS_HEADERS,
    NOT_KNOWN_COLUMNS,
    TYPE_GROUPS,
    frozen_returns,
    metrics_rows,
    not_known_code,
    replace_own,
    tab_update,
)
from destsync.domain.plan import Freeze

CAL = AcademicCalendar({})
CP = {cp.key: cp for cp in DEFAULT_CHECKPOINTS}
COL = {h: i for i, h in enumerate(METRICS_HEADERS)}


def leaver(ref: str, actual: str = "", code: str = "", start: str = "2026-09-10",
           months: str = "24", validated: str = "") -> dict[str, str]:
    return {"ref": ref, "leaving_year": "2026", "actual_destination": actual,
            "actual_nccis": code, "actual_start_date": start if actual else "",
            "actual_duration": months if actual else "", "validated": validated,
            "intended_destination": "University"}


COHORT = [
    leaver("A1", "University", "240"),
    leaver("A2", "University", "240", months="3"),  # left in December: not sustained
    leaver("A3", "Apprenticeship", "310"),
    leaver("A4", "Employment with training", "340"),
    leaver("A5", "Gone travelling"),  # a label staff typed: activity not captured
    leaver("A6", "Situation not known", "810"),
    leaver("A7", "Cannot be contacted", "820"),
    leaver("A8", "Cannot be contacted", "820"),
    leaver("A9", "Refused to disclose", "830"),
    leaver("A10"),  # nothing recorded
]


def figures(rows: list[list[str]], year: int, checkpoint: str) -> dict[str, str]:
    label = CP[checkpoint].label
    [row] = [r for r in rows if r[COL["Leaving year"]] == str(year)
             and r[COL["Checkpoint"]] == label]
    return dict(zip(METRICS_HEADERS, row, strict=True))


def test_not_known_codes_are_counted_apart_and_never_as_known() -> None:
    rows = metrics_rows("OAK", COHORT, {}, DEFAULT_CHECKPOINTS, CAL, 14, date(2026, 11, 2))
    f = figures(rows, 2026, "actual_unvalidated")
    assert f["Leavers"] == "10"
    assert (f["810 Situation not known"], f["820 Cannot be contacted"],
            f["830 Refused to disclose"], f["No destination recorded"]) == ("1", "2", "1", "1")
    assert f["Education: higher education"] == "2" and f["Apprenticeship"] == "1"
    assert f["Employment"] == "1" and f["Activity not captured"] == "1"
    # Known: 10 leavers less 810, 820 x2, 830, blank and the activity not captured.
    assert (f["Known"], f["% known"]) == ("4", "40.0%")
    assert (f["Frozen on"], f["Late"]) == ("", "")
    assert f["Deadline"] == "2026-12-31"


def test_sustained_is_judged_only_once_its_period_is_over() -> None:
    early = figures(metrics_rows("OAK", COHORT, {}, DEFAULT_CHECKPOINTS, CAL, 14,
                                 date(2026, 11, 2)), 2026, "actual_unvalidated")
    assert (early["Sustained"], early["Not sustained"]) == ("0", "0")
    assert early["Not yet known if sustained"] == "4"
    later = figures(metrics_rows("OAK", COHORT, {}, DEFAULT_CHECKPOINTS, CAL, 14,
                                 date(2027, 9, 1)), 2026, "actual_unvalidated")
    # University for 24 months and the apprenticeship and the job: sustained; the
    # university place left in December is not.
    assert (later["Sustained"], later["Not sustained"], later["% sustained"]) == (
        "3", "1", "30.0%")
    intended = figures(metrics_rows("OAK", COHORT, {}, DEFAULT_CHECKPOINTS, CAL, 14,
                                    date(2027, 9, 1)), 2026, "intended")
    assert intended["Sustained"] == intended["% sustained"] == "z"  # a plan, never sustained
    assert intended["Education: higher education"] == "10"


def test_a_frozen_checkpoint_counts_its_return_and_says_if_it_was_late() -> None:
    cp = CP["actual_validated"]
    frozen_rows = [leaver(f"A{i}", "University", "240", validated="Yes") for i in range(3)]
    f = Freeze(cp.key, cp.label, 2026, tuple(
        (cp.label, "2026", "2027-04-20", r["ref"], "", "", r["actual_destination"],
         r["actual_nccis"], "", "", "", r["validated"], "") for r in frozen_rows), True)
    frozen = frozen_returns([tuple(r) for r in return_rows(f)], DEFAULT_CHECKPOINTS)
    # The tracker has moved on since (ten leavers now); the return is what was signed.
    rows = metrics_rows("OAK", COHORT, frozen, DEFAULT_CHECKPOINTS, CAL, 14, date(2027, 5, 1))
    got = figures(rows, 2026, "actual_validated")
    assert (got["Leavers"], got["Education: higher education"], got["Validated"]) == (
        "3", "3", "3")
    assert (got["Frozen on"], got["Late"]) == ("2027-04-20", "Yes")  # 31 March + 14 days
    on_time = frozen_returns([(cp.label, "2026", "2027-04-14", "A1", "", "", "", "", "", "",
                               "", "", "")], DEFAULT_CHECKPOINTS)
    again = metrics_rows("OAK", COHORT, on_time, DEFAULT_CHECKPOINTS, CAL, 14, date(2027, 5, 1))
    assert figures(again, 2026, "actual_validated")["Late"] == "No"
    assert figures(again, 2026, "actual_validated")["No destination recorded"] == "1"


def test_a_shared_tab_keeps_every_other_academys_rows() -> None:
    oak = metrics_rows("OAK", COHORT, {}, DEFAULT_CHECKPOINTS, CAL, 14, date(2026, 11, 2))
    elm = metrics_rows("ELM", COHORT[:3], {}, DEFAULT_CHECKPOINTS, CAL, 14, date(2026, 11, 2))
    both = replace_own(replace_own([], "OAK", oak), "ELM", elm)
    assert [r[0] for r in both] == ["ELM"] * len(elm) + ["OAK"] * len(oak)
    fewer = replace_own(both, "OAK", oak[:1])
    assert [r for r in fewer if r[0] == "ELM"] == elm and len(fewer) == len(elm) + 1
    # Nothing to write when the tab already says it; the whole tab otherwise.
    table = tab_update(None, both)
    assert table is not None and table[0] == list(METRICS_HEADERS)
    assert tab_update(table, both) is None
    assert tab_update([*table[:-1]], both) == table


KINDS = ["University", "College", "Apprenticeship", "Employment with training",
         "Gap year", "Gone travelling", "", "Situation not known", "Cannot be contacted",
         "Refused to disclose"]
CODES = {"Situation not known": "810", "Cannot be contacted": "820",
         "Refused to disclose": "830"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(KINDS), max_size=40))
def test_every_leaver_is_in_exactly_one_column(kinds: list[str]) -> None:
    cohort = [leaver(f"R{i}", k, CODES.get(k, "")) for i, k in enumerate(kinds)]
    for row in metrics_rows("OAK", cohort, {}, DEFAULT_CHECKPOINTS, CAL, 14,
                            date(2027, 9, 1)):
        f = dict(zip(METRICS_HEADERS, row, strict=True))
        groups = sum(int(f[g]) for g in TYPE_GROUPS)
        unknown = sum(int(f[h]) for _, h in NOT_KNOWN_COLUMNS)
        assert groups + unknown == int(f["Leavers"]) == len(kinds)
        assert int(f["Known"]) == groups - int(f["Activity not captured"])
        hand_known = sum(1 for r in cohort if r.get(f"{_group(f)}_destination") in KINDS[:5])
        assert int(f["Known"]) == hand_known


def _group(f: dict[str, str]) -> str:
    return next(cp.group for cp in DEFAULT_CHECKPOINTS if cp.label == f["Checkpoint"])


def test_not_known_code_reads_the_code_then_the_label() -> None:
    assert not_known_code({"actual_destination": "x", "actual_nccis": "820"}, "actual") == "820"
    assert not_known_code({"actual_destination": "Refused to disclose activity"}, "actual") == "830"
    assert not_known_code({"actual_destination": ""}, "actual") == ""
    assert not_known_code({"actual_destination": "University"}, "actual") is None


def test_an_other_answer_with_code_810_counts_as_810_not_as_not_captured() -> None:
    other = {"actual_destination": "Other", "actual_nccis": "810"}
    assert not_known_code(other, "actual") == "810"
    assert not_known_code({"actual_destination": "Gone travelling"}, "actual") is None
