"""The weekly digest's support sections as a careers leader reads them on a phone: built
from a hand-made tracker, rendered from the real templates, opened in headless Chromium."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from destsync.domain.calendar import AcademicCalendar
from destsync.domain.digest import build_digest
from destsync.service.render import Renderer, html_page, sample_context
from tests.browser import Chromium, chromium_path

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    chromium_path() is None and not __import__("os").environ.get("CI"),
    reason="Chromium is not installed here (CI installs it)",
)


def test_support_sections_read_on_a_phone_with_refs_and_actions_only(tmp_path: Path) -> None:
    rows = {f"OAK-{n:04d}": {"leaving_year": "2028", "forename": "Zoë", "surname": "Okafor",
                             "email": f"zoe.{n}@example.org", "phone": "07700 900001"}
            for n in range(60)}  # Year 12, no intention: more than the digest lists
    rows["OAK-9000"] = {"leaving_year": "2027", "intended_destination": "Seeking work",
                        "intended_nccis": "619", "email": "neet@example.org"}
    digest = build_digest(rows, {}, AcademicCalendar({}), (),
                          datetime(2026, 11, 2, 9, tzinfo=UTC), 0, 0, 0, [])
    ctx = {**sample_context("Oakfield Academy (example)", "careers@oakfield.example.org",
                            "Example Learning Trust", "https://example.org/form"),
           "digest": digest, "campaign": "staff_digest", "attempt": 1, "attempts": 1,
           "final_attempt": False}
    subject, text, body = Renderer(ROOT / "destsync" / "templates").render(
        "digest", "Digest", ctx)
    for part in (text, body):
        assert "zoe." not in part and "07700" not in part and "Zoë" not in part
        assert "Year 12" in part and "Year 13" in part
        assert "and 10 more" in part
    assert "Action: 1:1 careers interview with the Careers Adviser" in text
    page = tmp_path / "digest.html"
    page.write_text(html_page(subject, body), encoding="utf-8")
    with Chromium() as browser:
        browser.open(page, width=375)
        assert browser.evaluate("document.documentElement.scrollWidth") <= 375
        shown = browser.evaluate("document.body.innerText")
        assert "Students who need support now" in shown
        assert "At risk of NEET (1): OAK-9000" in shown
        assert "Mentoring, group workshop" in shown
        headings = browser.evaluate("[...document.querySelectorAll('h3')].map(h => h.innerText)")
        assert headings == ["Year 12", "Year 13"]
