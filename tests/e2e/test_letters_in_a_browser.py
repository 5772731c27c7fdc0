"""The letters and emails as a parent or an alumnus sees them: rendered from the real
templates and opened in real headless Chromium at a phone's width."""

from __future__ import annotations

from pathlib import Path

import pytest

from destsync.service.render import Renderer, html_page, sample_context
from tests.browser import Chromium, chromium_path

ROOT = Path(__file__).resolve().parents[2]
# The letters: every HTML template with a plain-text pair (report.html.j2 is a web page).
TEMPLATES = sorted(
    p.name[: -len(".html.j2")] for p in (ROOT / "destsync" / "templates").glob("*.html.j2")
    if p.with_name(p.name.replace(".html.j2", ".txt.j2")).exists()
)

pytestmark = pytest.mark.skipif(
    chromium_path() is None and not __import__("os").environ.get("CI"),
    reason="Chromium is not installed here (CI installs it)",
)


@pytest.fixture(scope="module")
def browser() -> Chromium:
    with Chromium() as c:
        yield c  # type: ignore[misc]


def rendered(template: str, tmp_path: Path) -> Path:
    ctx = {
        **sample_context("Oakfield Academy (example)", "careers@oakfield.example.org",
                         "Example Learning Trust",
                         "https://docs.google.com/forms/d/e/EXAMPLE/viewform"),
        "campaign": template, "attempt": 1, "attempts": 3, "final_attempt": False,
    }
    subject, _, body = Renderer(ROOT / "destsync" / "templates").render(template, "A letter", ctx)
    page = tmp_path / f"{template}.html"
    page.write_text(html_page(subject, body), encoding="utf-8")
    return page


def test_there_are_html_templates_to_check() -> None:
    assert {"followup", "form_b", "digest"} <= set(TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_letter_reads_well_on_a_phone(
    template: str, tmp_path: Path, browser: Chromium
) -> None:
    page = rendered(template, tmp_path)
    browser.open(page, width=360)
    # No sideways scrolling on a small phone.
    assert browser.evaluate("document.documentElement.scrollWidth") <= 360
    text = browser.evaluate("document.body.innerText")
    # Accents, an apostrophe and a non-Latin script arrive intact; markup in a value is
    # shown as text, never obeyed.
    source = (ROOT / "destsync" / "templates" / f"{template}.html.j2").read_text(encoding="utf-8")
    if "student.forename" in source:
        assert "Zoë Siobhán" in text
    if "student.surname" in source:
        assert "O'Rourke <b>美咲</b>" in text
    assert browser.evaluate("document.querySelectorAll('b').length") == 0
    if template != "digest":
        # Every letter says how to stop further contact, with a working mailto link.
        stop = browser.evaluate(
            "[...document.querySelectorAll('a[href^=\"mailto:\"]')].map(a => a.href)"
        )
        assert any("subject=" in href for href in stop)
    # Body text is big enough to read without zooming.
    smallest = browser.evaluate(
        "Math.min(...[...document.querySelectorAll('p, li, td')]"
        ".filter(e => e.innerText.trim()).map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest >= 12
    browser.screenshot(tmp_path / f"{template}.png")
    assert (tmp_path / f"{template}.png").stat().st_size > 1000
