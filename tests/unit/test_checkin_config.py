"""The check-in's config (issue 16): optional, validated with one clear line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from destsync.config.checkin import CHECKIN_CAMPAIGNS
from destsync.config.settings import parse_config
from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS
from destsync.errors import ConfigError


def data(tmp_path: Path, source: dict[str, Any] | None = None,
         **top: Any) -> dict[str, Any]:
    (tmp_path / "responses.csv").write_text("", encoding="utf-8")
    (tmp_path / "checkin.csv").write_text("", encoding="utf-8")
    academy: dict[str, Any] = {
        "code": "OAK", "name": "Oakfield Academy (example)",
        "responses": {"backend": "csv", "path": "responses.csv"},
        "tracker": {"backend": "xlsx", "path": "tracker.xlsx"}}
    if source is not None:
        academy["checkin"] = source
    return {"trust": {"name": "Example Learning Trust"}, "academies": [academy], **top}


def test_without_a_check_in_nothing_changes(tmp_path: Path) -> None:
    cfg = parse_config(data(tmp_path), tmp_path / "d.toml")
    assert cfg.academies[0].checkin is None and cfg.campaigns == DEFAULT_CAMPAIGNS


def test_a_check_in_adds_its_questions_and_the_termly_reminders(tmp_path: Path) -> None:
    cfg = parse_config(data(tmp_path, {"backend": "csv", "path": "checkin.csv"},
                            checkin={"slots": 2, "questions": {"app2_status": "Status 2"}}),
                       tmp_path / "d.toml")
    assert cfg.campaigns == DEFAULT_CAMPAIGNS + CHECKIN_CAMPAIGNS
    assert cfg.checkin.questions["app2_status"] == "Status 2"
    assert "app3_status" not in cfg.checkin.questions


@pytest.mark.parametrize(("checkin", "top", "needle"), [
    ({"backend": "sheets"}, {}, "academies[0].checkin.backend is 'sheets'"),
    ({"backend": "csv", "path": "missing.csv"}, {}, "missing.csv"),
    ({"backend": "csv", "path": "checkin.csv"}, {"checkin": {"slots": 11}}, "slots"),
    ({"backend": "csv", "path": "checkin.csv"},
     {"checkin": {"questions": {"app9_status": "x"}}}, "app9_status is not a check-in field"),
    ({"backend": "csv", "path": "checkin.csv"},
     {"checkin": {"reference_entry": "12"}}, "reference_entry is '12'"),
])
def test_a_bad_check_in_setting_is_one_clear_line(tmp_path: Path, checkin: dict[str, Any],
                                                 top: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data(tmp_path, checkin, **top), tmp_path / "d.toml")
    assert needle in caught.value.message and "\n" not in caught.value.message
