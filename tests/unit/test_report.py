"""The anonymised report's arithmetic: DfE groups, and suppression that a reader with the
totals cannot undo."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from destsync.domain.report import (
    ACTIVITY_NOT_CAPTURED,
    COHORT,
    KNOWN_ROW,
    MEASURE_GROUPS,
    NOT_KNOWN,
    SMALL,
    TRUST,
    build_tables,
    is_known,
    measure_group,
    suppress,
)
from destsync.service.report_output import csv_safe, csv_text


def row(year: int, actual: str = "", intended: str = "") -> dict[str, str]:
    """A leaver whose actual destination (if any) started in September for two years."""
    return {"leaving_year": str(year), "actual_destination": actual,
            "actual_start_date": f"{year}-09-15", "actual_duration": "24",
            "intended_destination": intended, "forename": "Testname", "surname": "Example",
            "dob": "2008-01-01", "email": "t@example.org"}


def test_destinations_fall_into_the_dfe_measure_groups() -> None:
    assert measure_group(row(2026, "University"), "actual") == (
        "Sustained education: higher education")
    assert measure_group(row(2026, "Apprenticeship"), "actual") == "Sustained apprenticeship"
    assert measure_group(row(2026, ""), "actual") == NOT_KNOWN
    # A label staff typed that destsync does not know still counts, as not captured.
    assert measure_group(row(2026, "Gone travelling"), "actual") == "Activity not captured"


def test_a_school_with_fewer_than_six_leavers_is_withheld_whole() -> None:
    rows = {"OAK": [row(2026, "University")] * 5, "ELM": [row(2026, "University")] * 30}
    [t] = build_tables(rows)
    assert t.cohort["OAK"].text() == "c"
    assert all(t.cells[(g, "OAK")].text() == "c" for g in MEASURE_GROUPS)
    # ELM cannot stay fully shown: the trust total minus ELM would give OAK away.
    hidden_elsewhere = [c for c in ("ELM", TRUST)
                        if not t.cohort[c].shown or not t.cells[(MEASURE_GROUPS[0], c)].shown]
    assert hidden_elsewhere


def test_small_counts_are_c_and_large_ones_are_shown_with_a_share() -> None:
    rows = {"OAK": [row(2026, "University")] * 20 + [row(2026, "College")] * 2
            + [row(2026, "")] * 8}
    [t] = build_tables(rows)
    assert t.columns == ["OAK"]  # one school: no duplicate trust column
    uni = t.cells[("Sustained education: higher education", "OAK")]
    assert (uni.text(), uni.percent(t.cohort["OAK"])) == ("20", "67%")
    assert t.cells[("Sustained education: further education", "OAK")].text() == "c"
    assert t.cohort["OAK"].text() == "30"


def test_a_checkpoint_with_nothing_recorded_has_no_table() -> None:
    rows = {"OAK": [row(2026, intended="University")] * 10}
    assert [t.checkpoint for t in build_tables(rows)] == ["intended"]


def test_no_personal_data_or_free_text_reaches_the_csv() -> None:
    rows = {"OAK": [row(2026, "=HYPERLINK(\"http://x\",\"y\")")] * 10}
    text = csv_text(build_tables(rows), {"OAK": "=cmd|' /C calc'!A0", TRUST: "Trust"})
    for secret in ("Testname", "2008-01-01", "t@example.org", "HYPERLINK"):
        assert secret not in text
    assert "'=cmd" in text  # a name that looks like a formula is made inert
    assert csv_safe("+1-2") == "'+1-2" and csv_safe("Oakfield") == "Oakfield"


counts_st = st.integers(min_value=0, max_value=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(counts_st, min_size=len(MEASURE_GROUPS), max_size=len(MEASURE_GROUPS)),
                min_size=1, max_size=4))
def test_suppression_cannot_be_undone_from_the_totals(columns: list[list[int]]) -> None:
    academies = [f"A{i}" for i in range(len(columns))]
    counts = {(g, a): col[i] for a, col in zip(academies, columns, strict=True)
              for i, g in enumerate(MEASURE_GROUPS)}
    for i, g in enumerate(MEASURE_GROUPS):
        counts[(g, TRUST)] = sum(col[i] for col in columns)
    cohorts = {a: sum(col) for a, col in zip(academies, columns, strict=True)}
    cohorts[TRUST] = sum(cohorts.values())
    shown, cohort_shown = suppress(counts, cohorts, academies)
    visible = {**shown, **{(COHORT, c): v for c, v in cohort_shown.items()}}
    value = {**counts, **{(COHORT, c): n for c, n in cohorts.items()}}
    cols = [*academies, TRUST]
    # No shown count from 1 to 5, and no small school shown at all.
    assert not [k for k, ok in shown.items() if ok and 0 < counts[k] < SMALL]
    assert not [c for c in cols if cohorts[c] < SMALL and cohort_shown[c]]
    # Every sum a reader can form (a column to its cohort, a row to the trust) hides
    # either nothing or at least two numbers: one hidden number would be solvable.
    sums = [[(g, c) for g in (*MEASURE_GROUPS, COHORT)] for c in cols]
    if len(academies) > 1:
        sums += [[(g, c) for c in cols] for g in (*MEASURE_GROUPS, COHORT)]
    else:
        sums += [[(g, academies[0]), (g, TRUST)] for g in (*MEASURE_GROUPS, COHORT)]
    for cells in sums:
        hidden = [k for k in cells if not visible[k]]
        assert len(hidden) != 1, (cells, hidden, [value[k] for k in cells])


def coded(year: int, label: str, code: str) -> dict[str, str]:
    return {**row(year), "actual_destination": label, "actual_nccis": code}


def test_not_known_codes_and_their_labels_are_not_known() -> None:
    for label, code in (("Situation not known", "810"), ("Cannot be contacted", "820"),
                        ("Refused to disclose activity", "830"), ("Cannot be contacted", ""),
                        ("Gone away", "820")):
        assert measure_group(coded(2026, label, code), "actual") == NOT_KNOWN, label
    # A destination a person typed wins over a stale not-known code beside it.
    assert measure_group(coded(2026, "University", "820"), "actual") == (
        "Sustained education: higher education")
    assert not is_known(NOT_KNOWN) and not is_known(ACTIVITY_NOT_CAPTURED)
    assert is_known("Sustained apprenticeship")


def test_destination_known_counts_no_not_known_code_nor_activity_not_captured() -> None:
    """The issue's case: 92% 'known' when most were 'cannot be contacted'."""
    rows = {"OAK": [row(2025, "University")] * 20 + [row(2025, "Apprenticeship")] * 12
            + [coded(2025, "Cannot be contacted", "820")] * 58
            + [coded(2025, "Situation not known", "810")] * 30
            + [coded(2025, "Refused to disclose activity", "830")] * 8
            + [row(2025, "Other: helping at home")] * 7 + [row(2025, "Gone travelling")] * 3
            + [row(2025, "")] * 12}
    [t] = build_tables(rows)
    assert t.cohort["OAK"].count == 150
    assert t.cells[(NOT_KNOWN, "OAK")].count == 58 + 30 + 8 + 12
    assert t.cells[(ACTIVITY_NOT_CAPTURED, "OAK")].count == 10
    assert (t.known("OAK").text(), t.known_share("OAK")) == ("32", "21%")  # 32 / 150
    assert f"{KNOWN_ROW},32,21%" in csv_text([t], {"OAK": "Oak"})


def test_destination_known_is_c_when_it_would_give_a_hidden_count_away() -> None:
    # Activity not captured is 3 (hidden): the cohort less "Not known" would reveal it.
    rows = {"OAK": [row(2026, "University")] * 20 + [row(2026, "Gone travelling")] * 3
            + [row(2026, "")] * 10}
    [t] = build_tables(rows)
    assert t.cells[(ACTIVITY_NOT_CAPTURED, "OAK")].text() == "c"
    assert t.known_share("OAK") == "c"
    # A known count from 1 to 5 is itself a small number.
    few = {"OAK": [row(2026, "University")] * 3 + [row(2026, "")] * 30}
    assert [t.known_share("OAK") for t in build_tables(few)] == ["c"]


def test_a_checkpoint_where_nobody_is_known_still_has_its_table() -> None:
    rows = {"OAK": [coded(2026, "Situation not known", "810")] * 10}
    [t] = build_tables(rows)
    assert (t.checkpoint, t.known_share("OAK")) == ("actual", "0%")


def test_a_positive_share_under_half_a_percent_is_low() -> None:
    rows = {"OAK": [row(2026, "University")] * 6 + [row(2026, "College")] * 1994}
    [t] = build_tables(rows)
    assert t.cells[("Sustained education: higher education", "OAK")].percent(
        t.cohort["OAK"]) == "low"


def test_year_on_year_sets_each_checkpoint_side_by_side() -> None:
    from datetime import date as _date
    from pathlib import Path

    from destsync.domain.report import year_on_year
    from destsync.service.report_output import render_html

    rows = {"OAK": [row(2025, "University", "University")] * 20 + [row(2025, "")] * 10
            + [row(2026, "College", "College")] * 12 + [row(2026, "")] * 18}
    tables = build_tables(rows)
    got = {cp: {y: (t.known_share("OAK"), t.sustained_share("OAK")) for y, t in by.items()}
           for cp, by in year_on_year(tables)}
    assert got == {"intended": {2025: ("67%", "z"), 2026: ("40%", "z")},
                   "actual": {2025: ("67%", "67%"), 2026: ("40%", "40%")}}
    templates = Path(__file__).resolve().parents[2] / "destsync" / "templates"
    html = render_html(templates, "Trust", tables, {"OAK": "Oak", TRUST: "Trust"}, None,
                       _date(2027, 9, 1))
    assert "Year on year" in html and "Leavers of 2025" in html and "Leavers of 2026" in html
    assert "Actual destination: sustained" in html
    text = csv_text(tables, {"OAK": "Oak", TRUST: "Trust"})
    assert "2025,actual,Oak,Sustained,20,67%" in text
    assert "2025,intended,Oak,Sustained" not in text
