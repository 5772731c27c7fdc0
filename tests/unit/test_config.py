"""Config is validated when loaded: one line naming the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from destsync.config.settings import load_config
from destsync.entrypoints.cli import main
from destsync.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.toml"


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "r.csv").write_text("Timestamp\n")
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """
[trust]
name = "Example Trust"
[[academies]]
code = "OAK"
name = "Oakfield"
responses = { backend = "csv", path = "r.csv" }
tracker = { backend = "xlsx", path = "t.xlsx" }
"""


def test_the_example_config_loads_as_shipped() -> None:
    cfg = load_config(EXAMPLE)
    assert [a.code for a in cfg.academies] == ["OAK"]
    assert [c.key for c in cfg.checkpoints] == [
        "intended",
        "actual_unvalidated",
        "actual_validated",
        "sustained_1",
        "y11_september_guarantee",  # Year 11 and mid-year defaults: the example lists none
        "y11_activity",
        "midyear_destination",
    ]
    assert cfg.academies[0].responses.path is not None
    assert cfg.academies[0].responses.path.exists()


def test_a_minimal_config_gets_the_default_checkpoints_and_questions(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    assert [cp.key for cp in cfg.checkpoints if cp.point == "year13"] == [
        "intended", "actual_unvalidated", "actual_validated", "sustained_1"]
    assert cfg.questions["destination"].startswith("What have you secured")


@pytest.mark.parametrize(
    ("text", "key", "fix"),
    [
        (
            GOOD.replace('name = "Oakfield"', 'name = "Oakfield"\ntrakcer = 1'),
            "academies[0].trakcer",
            "did you mean `tracker`?",
        ),
        (GOOD.replace('code = "OAK"', "code = 7"), "academies[0].code", "quoted string"),
        (
            GOOD.replace('backend = "xlsx"', 'backend = "excel"'),
            "academies[0].tracker.backend",
            "xlsx, google_sheets",
        ),
        (
            GOOD.replace('path = "r.csv"', 'path = "missing.csv"'),
            "academies[0].responses.path",
            "fix the path",
        ),
        (GOOD + '[calendar]\nautumn_term_starts = { "2026" = 2026-02-30 }\n', "", "not valid TOML"),
        (
            GOOD + '[calendar]\nautumn_term_starts = { "2026" = 2026-01-05 }\n',
            "calendar.autumn_term_starts.2026",
            "fix it",
        ),
        (
            GOOD + '[[checkpoints]]\nkey="x"\nlabel="X"\ngroup="actual"\ndeadline="02-30"\n',
            "checkpoints[0].deadline",
            "MM-DD",
        ),
        (GOOD.replace("[trust]", "[trustee]"), "trust", "add"),
    ],
)
def test_a_bad_config_names_the_file_the_key_and_the_fix(
    tmp_path: Path, text: str, key: str, fix: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    line = f"{err.value.message} {err.value.hint}"
    assert "c.toml" in line and key in line and fix in line
    assert "\n" not in err.value.message


def test_a_missing_config_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--config", str(tmp_path / "nope.toml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[0] == f"error: config file {tmp_path / 'nope.toml'} does not exist"
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_bad_now_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--config", str(EXAMPLE), "--now", "tomorrow"]) == 2
    assert "--now 'tomorrow' is not a date" in capsys.readouterr().err


def test_every_cli_option_has_help() -> None:
    from destsync.entrypoints.cli import build_parser

    parser = build_parser()
    subs = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    parsers = [parser, *subs[0].choices.values()]  # type: ignore[attr-defined]
    missing = [
        f"{p.prog} {a.dest}"
        for p in parsers
        for a in p._actions
        if a.help is None and a.dest not in ("help", "command")
    ]
    assert missing == []


GOOGLE = GOOD.replace('tracker = { backend = "xlsx", path = "t.xlsx" }',
                      'tracker = { backend = "google_sheets", spreadsheet_id = "S1" }')


def test_a_roster_tab_belongs_to_a_google_tracker_and_replaces_the_csv(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOGLE + 'roster = { tab = "Roster" }\n'))
    assert cfg.academies[0].roster_tab == "Roster" and cfg.academies[0].roster_path is None
    with pytest.raises(ConfigError, match="needs a Google Sheets tracker"):
        load_config(write(tmp_path, GOOD + 'roster = { tab = "Roster" }\n'))
    with pytest.raises(ConfigError, match=r"as well as roster\.path"):
        load_config(write(tmp_path, GOOGLE + 'roster = { tab = "Roster", path = "r.csv" }\n'))


def test_checkpoints_for_year_11_are_configured_by_leaving_point(tmp_path: Path) -> None:
    # A config listing its own Year 13 checkpoints keeps the Year 11 and mid-year defaults;
    # one that lists a Year 11 checkpoint replaces them; a point nobody knows is refused.
    own = GOOD + """
[[checkpoints]]
key = "intended"
label = "Intended destination"
group = "intended"
deadline = "autumn_week2"
"""
    cfg = load_config(write(tmp_path, own))
    assert [(cp.key, cp.point) for cp in cfg.checkpoints] == [
        ("intended", "year13"), ("y11_september_guarantee", "year11"),
        ("y11_activity", "year11"), ("midyear_destination", "midyear")]
    y11 = own + """
[[checkpoints]]
key = "sg"
label = "Offer by 30 September"
group = "intended"
deadline = "09-30"
point = "year11"
offer = true
"""
    cfg = load_config(write(tmp_path, y11))
    assert [(cp.key, cp.point, cp.offer) for cp in cfg.checkpoints] == [
        ("intended", "year13", False), ("sg", "year11", True),
        ("midyear_destination", "midyear", False)]
    with pytest.raises(ConfigError, match=r"point.*'year12'"):
        load_config(write(tmp_path, y11.replace('point = "year11"', 'point = "year12"')))


def test_staff_consent_counts_for_contact_only_when_the_trust_says_so(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, GOOD)).staff_consent_contacts is False
    on = GOOD.replace("[trust]\n", "[trust]\nstaff_consent_contacts = true\n")
    assert load_config(write(tmp_path, on)).staff_consent_contacts is True
    bad = GOOD.replace("[trust]\n", '[trust]\nstaff_consent_contacts = "yes"\n')
    with pytest.raises(ConfigError, match="staff_consent_contacts"):
        load_config(write(tmp_path, bad))
