"""`destsync report` end to end: sync the sample school, write the report, and read it in
real headless Chromium at a phone's width, as a governor would."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest

from destsync.entrypoints.cli import main
from tests.browser import Chromium, chromium_path

ROOT = Path(__file__).resolve().parents[2]

needs_browser = pytest.mark.skipif(
    chromium_path() is None and not __import__("os").environ.get("CI"),
    reason="Chromium is not installed here (CI installs it)",
)


@pytest.fixture(name="school")
def school_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    cfg = tmp_path / "config" / "example.toml"
    text = cfg.read_text(encoding="utf-8").replace('"../output/', f'"{tmp_path}/output/')
    cfg.write_text(text, encoding="utf-8")
    assert main(["sync", "--config", str(cfg), "--now", "2026-11-22"]) == 0
    capsys.readouterr()
    return cfg


def personal_values(tracker: Path) -> set[str]:
    ws = openpyxl.load_workbook(tracker)["Tracker"]
    header = [c.value for c in ws[1]]
    keep = ("Forename", "Surname", "Personal email", "Phone", "Parent/carer email")
    values: set[str] = set()
    for r in ws.iter_rows(min_row=2, values_only=True):
        for h, v in zip(header, r, strict=False):
            if h in keep and v and len(str(v)) > 3:
                values.add(str(v))
            if h == "Date of birth" and v:
                values.add(v.strftime("%Y-%m-%d"))
    return values


def tracker_of(cfg: Path) -> Path:
    return next((cfg.parent.parent / "output").glob("*.xlsx"))


def test_the_report_holds_no_personal_data(school: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "published"
    assert main(["report", "--config", str(school), "--out", str(out),
                 "--now", "2026-11-25"]) == 0
    assert "report.html" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["chart.png", "report.csv", "report.html"]
    assert (out / "chart.png").read_bytes().startswith(b"\x89PNG")
    secrets = personal_values(tracker_of(school))
    assert len(secrets) > 100  # the sample has names, emails, phones and birthdays
    for name in ("report.html", "report.csv"):
        text = (out / name).read_text(encoding="utf-8-sig")
        leaked = sorted(s for s in secrets if s in text)
        assert leaked == [], (name, leaked[:5])
    rows = list(csv.DictReader((out / "report.csv").read_text(encoding="utf-8-sig")
                               .splitlines()))
    assert rows and {r["count"] for r in rows} - {"c"} <= {str(n) for n in range(0, 10000)}
    assert not [r for r in rows if r["count"] in {"1", "2", "3", "4", "5"}]


def test_a_second_report_replaces_the_first_but_never_foreign_files(
        school: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "published"
    assert main(["report", "--config", str(school), "--out", str(out)]) == 0
    assert main(["report", "--config", str(school), "--out", str(out)]) == 0
    (out / "minutes.docx").write_text("governors' own file")
    capsys.readouterr()
    assert main(["report", "--config", str(school), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "did not write" in err
    assert (out / "minutes.docx").exists()


@needs_browser
def test_a_governor_reads_the_report_on_a_phone(school: Path, tmp_path: Path) -> None:
    # A trust name typed with markup in the config stays text on the page.
    cfg_text = school.read_text(encoding="utf-8")
    school.write_text(cfg_text.replace('name = "Example Learning Trust"',
                                       'name = "Example <b>Learning</b> Trust"', 1),
                      encoding="utf-8")
    out = tmp_path / "published"
    assert main(["report", "--config", str(school), "--out", str(out),
                 "--now", "2026-11-25"]) == 0
    with Chromium() as browser:
        browser.open(out / "report.html", width=375)
        text = browser.evaluate("document.body.innerText")
        assert "Where our leavers went" in text
        assert "Example <b>Learning</b> Trust" in text  # shown literally, not bold
        assert browser.evaluate("document.querySelectorAll('b').length") == 0
        # Tables scroll inside their box; the page itself never scrolls sideways.
        assert browser.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth") is True
        assert browser.evaluate("document.querySelectorAll('table').length") >= 1
        headers = browser.evaluate(
            "[...document.querySelectorAll('tbody th[scope=row]')].map(e => e.innerText)")
        assert "Sustained apprenticeship" in headers and "Not known" in headers
        img = browser.evaluate(
            "(() => { const i = document.querySelector('img');"
            " return [i.naturalWidth, i.alt.length]; })()")
        assert img[0] > 100 and img[1] > 20  # the chart loaded, and says what it shows
        browser.screenshot(tmp_path / "report-phone.png")
    assert (tmp_path / "report-phone.png").stat().st_size > 10_000
