"""The termly check-in reminder (issue 16): current students with consent get one per
term, through the exactly-once ledger, with their own prefilled check-in link; a student
who already checked in this term gets none; alumni get none."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from destsync.config.settings import Config, parse_config
from destsync.domain.model import RawResponse
from destsync.service.ports import AcademyPorts
from destsync.service.sync import run_sync
from tests.fakes import ListRoster, ListSource, MemoryTracker
from tests.mailkit import MemoryMailer, school_snapshot

URL = "https://docs.google.com/forms/d/e/CHECKIN/viewform"


def config(folder: Path) -> Config:
    (folder / "responses.csv").write_text("", encoding="utf-8")
    (folder / "checkin.csv").write_text("", encoding="utf-8")
    data: dict[str, Any] = {
        "trust": {"name": "Example Learning Trust"},
        "checkin": {"responder_url": URL, "reference_entry": "entry.2000001"},
        "mail": {"backend": "outbox", "outbox": "outbox"},
        "academies": [{
            "code": "OAK", "name": "Oakfield Academy (example)",
            "careers_email": "careers@oakfield.example.org",
            "responses": {"backend": "csv", "path": "responses.csv"},
            "tracker": {"backend": "xlsx", "path": "tracker.xlsx"},
            "checkin": {"backend": "csv", "path": "checkin.csv"},
        }],
    }
    return parse_config(data, folder / "destsync.toml")


def test_one_reminder_per_term_with_the_students_own_link(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    snap, roster = school_snapshot(2)
    store, mailer = MemoryTracker(snap), MemoryMailer()
    checkins = ListSource([])

    def sync(day: datetime) -> list[Any]:
        before = len(mailer.delivered)
        ports = [AcademyPorts(cfg.academies[0], ListSource([]), store, ListRoster(roster),
                              Counter(), mailer, checkin=checkins)]
        run_sync(cfg, ports, day)
        return [m for m in mailer.delivered[before:] if m.campaign.startswith("checkin_")]

    current = {e.ref for e in roster if e.leaving_year in (2027, 2028)
               and snap.rows[e.ref]["consent"] == "Yes"}
    marked = sorted(current)[-1]
    snap.rows[marked]["forename"] = "Mei <b>&</b>"  # markup a student typed
    autumn = sync(datetime(2026, 10, 5, 6, tzinfo=UTC))
    assert sorted(m.ref for m in autumn) == sorted(current)
    assert {m.campaign for m in autumn} == {"checkin_autumn"}
    for m in autumn:
        assert f"{URL}?usp=pp_url&amp;entry.2000001={m.ref}" in m.html
        assert f"{URL}?usp=pp_url&entry.2000001={m.ref}" in m.text
    m = next(m for m in autumn if m.ref == marked)
    assert "Mei &lt;b&gt;&amp;&lt;/b&gt;" in m.html and "<b>" not in m.html.split("<body")[1]
    assert "Hello Mei <b>&</b>," in m.text
    assert sync(datetime(2026, 10, 20, 6, tzinfo=UTC)) == []
    # One student checks in before the spring reminder: theirs is not sent.
    early = sorted(current)[0]
    row = snap.rows[early]
    checkins.responses.append(RawResponse("c1", datetime(2027, 1, 21, 9, tzinfo=UTC), {
        "reference": early, "name": f"{row['forename']} {row['surname']}",
        "intended": "Apprenticeship"}, "test c1"))
    spring = sync(datetime(2027, 1, 25, 6, tzinfo=UTC))
    assert sorted(m.ref for m in spring) == sorted(current - {early})
    assert {m.campaign for m in spring} == {"checkin_spring"}
    assert sync(datetime(2027, 2, 8, 6, tzinfo=UTC)) == []
    keys = Counter(m.key for m in mailer.delivered)
    assert max(keys.values()) == 1


def test_the_preview_shows_the_check_in_link(tmp_path: Path) -> None:
    from destsync.entrypoints.preview import render_preview
    from destsync.service.render import SAMPLE_REF

    _, text, html, where = render_preview(config(tmp_path), "checkin_spring", None,
                                          datetime(2027, 1, 25, tzinfo=UTC))
    assert where == "sample data"
    assert f"{URL}?usp=pp_url&entry.2000001={SAMPLE_REF}" in text
    assert f"{URL}?usp=pp_url&amp;entry.2000001={SAMPLE_REF}" in html
