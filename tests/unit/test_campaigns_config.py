"""[mail] and [[campaigns]]: defaults from the seed, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from destsync.config.settings import load_config, parse_config
from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS
from destsync.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def config(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    (tmp_path / "r.csv").write_text("", encoding="utf-8")
    data: dict[str, Any] = {
        "trust": {"name": "Example Learning Trust"},
        "academies": [{"code": "OAK", "name": "Oakfield", "careers_email": "c@example.org",
                       "responses": {"backend": "csv", "path": "r.csv"},
                       "tracker": {"backend": "xlsx", "path": "t.xlsx"}}],
    }
    data.update(extra)
    return data


def error(tmp_path: Path, **extra: Any) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        parse_config(config(tmp_path, **extra), tmp_path / "school.toml")
    return err.value


def campaign(**kw: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"key": "survey", "audience": "alumni", "template": "followup",
                         "subject": "Hello", "window": {"start": "05-01", "end": "07-20"}}
    c.update(kw)
    return c


def test_without_mail_settings_the_outbox_and_the_seed_campaigns_apply(tmp_path: Path) -> None:
    cfg = parse_config(config(tmp_path), tmp_path / "school.toml")
    assert cfg.mail.backend == "outbox" and cfg.mail.outbox == (tmp_path / "outbox").resolve()
    assert cfg.mail.daily_cap == 2000
    assert cfg.campaigns == DEFAULT_CAMPAIGNS


def test_the_example_config_spells_out_exactly_the_defaults() -> None:
    assert load_config(ROOT / "config" / "example.toml").campaigns == DEFAULT_CAMPAIGNS


def test_an_unknown_mail_key_names_the_file_the_key_and_a_fix(tmp_path: Path) -> None:
    err = error(tmp_path, mail={"backend": "outbox", "dialy_cap": 10})
    assert "school.toml" in err.message and "mail.dialy_cap" in err.message
    assert "daily_cap" in err.hint


def test_an_unknown_campaign_key_is_an_error(tmp_path: Path) -> None:
    err = error(tmp_path, campaigns=[campaign(attempt=3)])
    assert "campaigns[0].attempt" in err.message and "attempts" in err.hint


@pytest.mark.parametrize(("change", "named"), [
    ({"audience": "pupils"}, "campaigns[0].audience"),
    ({"spacing_days": [0, 7]}, "campaigns[0].spacing_days"),
    ({"spacing_days": [0, 40, 14]}, "campaigns[0].spacing_days"),
    ({"window": {"start": "05-01", "end": "05-20"}}, "campaigns[0].window"),
    ({"window": {"start": "02-30", "end": "07-20"}}, "campaigns[0].window.start"),
    ({"window": {"start": "results_dy", "end": "07-20"}}, "campaigns[0].window.start"),
    ({"years": [4]}, "campaigns[0].years"),
    ({"template": "../etc/passwd"}, "campaigns[0].template"),
    ({"attempts": 0}, "campaigns[0].attempts"),
])
def test_an_impossible_campaign_is_one_line_naming_the_key(
    tmp_path: Path, change: dict[str, Any], named: str,
) -> None:
    err = error(tmp_path, campaigns=[campaign(**change)])
    assert named in err.message and "\n" not in err.message and err.hint


@pytest.mark.parametrize(("mail", "named"), [
    ({"backend": "pigeon"}, "mail.backend"),
    ({"sender": "not an address"}, "mail.sender"),
    ({"templates": "no/such/folder"}, "mail.templates"),
    ({"daily_cap": -1}, "mail.daily_cap"),
    ({"smtp": {"host": "h", "ssl": True, "starttls": True}}, "mail.smtp.ssl"),
    ({"smtp": {"password": "secret"}}, "mail.smtp.password"),
])
def test_bad_mail_settings_are_one_line_naming_the_key(
    tmp_path: Path, mail: dict[str, Any], named: str,
) -> None:
    assert named in error(tmp_path, mail=mail).message


def test_two_campaigns_with_one_key_are_an_error(tmp_path: Path) -> None:
    assert "repeat a key" in error(tmp_path, campaigns=[campaign(), campaign()]).message


def test_results_day_windows_resolve_per_year(tmp_path: Path) -> None:
    cfg = parse_config(config(tmp_path, campaigns=[campaign(
        audience="leavers", window={"start": "results_day+7", "end": "results_day+70"})]),
        tmp_path / "school.toml")
    start, end = cfg.campaigns[0].window.dates(2026)
    assert start.isoformat() == "2026-08-20" and (end - start).days == 63
