"""The acceptance run: `destsync sync --now` stepped week by week through three years on
the demo school, through the real CLI, workbook and outbox."""

from __future__ import annotations

import email
from collections import Counter
from datetime import date, timedelta
from email import policy
from pathlib import Path

import openpyxl
import pytest

from destsync.domain.campaigns import parse_key
from tests.e2e.conftest import School
from tests.e2e.test_cli_sync import tracker_rows

START, END = date(2026, 11, 2), date(2029, 10, 29)  # Mondays


def mondays() -> list[date]:
    """Every Monday from May to July, when the survey and Form B run; the first Monday of
    the month otherwise, which is when grace periods are seen to end. (Weekly all year
    round gives the same answers and takes three times as long on a workbook.)"""
    out, day = [], START + timedelta(days=7)
    while day <= END:
        if 5 <= day.month <= 7 or day.day <= 7:
            out.append(day)
        day += timedelta(days=7)
    return out


def outbox(folder: Path) -> dict[str, email.message.EmailMessage]:
    out = {}
    for p in (folder / "outbox").glob("*.eml"):
        msg = email.message_from_bytes(p.read_bytes(), policy=policy.default)
        out[str(msg["X-Destsync-Key"])] = msg
    return out  # type: ignore[return-value]


def set_cell(path: Path, ref: str, header: str, value: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Tracker"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == ref)
    ws.cell(row, headers.index(header) + 1).value = value
    wb.save(path)


@pytest.mark.slow
def test_three_years_of_weekly_syncs_send_exactly_what_the_rules_call_for(
    school: School,
) -> None:
    first = school.sync(START.isoformat())
    rows = tracker_rows(school.tracker)
    consenting = sorted(r for r, row in rows.items()
                        if row["Consent"] == "Yes" and row["Personal email"]
                        and str(row["Leaving year"]) in ("2025", "2026"))
    assert len(consenting) >= 6
    answers, withdraws = consenting[0], consenting[1]  # one replies, one withdraws
    never = {r for r, row in rows.items() if row["Consent"] != "Yes"}
    set_cell(school.tracker, withdraws, "Contact status", "Consent withdrawn")

    summaries = [first]
    seen: dict[str, date] = {k: START for k in outbox(school.folder)}
    for day in mondays():
        if day == date(2027, 5, 10):
            school.add_response("2027/05/05 10:00:00 AM GMT", reference=answers, name="x",
                                destination="Apprenticeship", provider="Example Works",
                                consent="Yes")
        summaries.append(school.sync(day.isoformat()))
        for key in outbox(school.folder):
            seen.setdefault(key, day)

    sent = outbox(school.folder)
    # The counts in the run summaries are the messages in the outbox, no more, no fewer.
    assert sum(int(s["emails_sent"]) for s in summaries) == len(sent)
    assert all(s["emails_deferred"] == 0 for s in summaries)

    per_cycle = Counter((c, cycle, ref) for c, cycle, ref, _ in map(parse_key, sent))
    students = {ref for c, _, ref in per_cycle if c in ("annual_survey", "autumn_check")}
    # Never to a student without consent, nor after a withdrawal.
    assert not students & never
    assert withdraws not in students
    for key, msg in sent.items():
        c, _, ref, _ = parse_key(key)
        if c in ("annual_survey", "autumn_check"):
            # Once the cohort's retention is over the message stays, its address does not.
            assert msg["To"] is None or str(msg["To"]) == str(rows[ref]["Personal email"])
    assert any(m["To"] is not None for m in sent.values())
    # Three attempts a year for each consenting alumnus in years 1 to 3, and no fourth.
    for ref in consenting:
        if ref in (answers, withdraws):
            continue
        leaving = int(str(rows[ref]["Leaving year"]))
        for year in range(2027, 2030):
            expected = 3 if 1 <= year - leaving <= 3 else 0
            assert per_cycle[("annual_survey", str(year), ref)] == expected, (ref, year)
    # The reply on 5 May stopped the 2027 reminders after the first.
    assert per_cycle[("annual_survey", "2027", answers)] == 1
    # Form B: once, to the parents of the only cohort in Year 12 or 13 (leavers of 2027).
    form_b = [ref for c, _, ref in per_cycle if c == "form_b"]
    year13 = [r for r, row in rows.items() if str(row["Leaving year"]) == "2027"]
    assert sorted(form_b) == sorted(year13)
    assert all(v == 1 for v in per_cycle.values() if v != 3)
    # One digest a week, every week a sync ran (each run is in a week of its own).
    digests = [k for k in sent if k.startswith("staff_digest/")]
    assert len(digests) == len(summaries)
    # Attempts keep the 0, 14, 35-day rhythm.
    ref = next(r for r in consenting if r not in (answers, withdraws))
    days = sorted(seen[k] for k in sent if k.startswith(f"annual_survey/2028/{ref}/"))
    assert [(d - days[0]).days for d in days] == [0, 14, 35]
    # Checkpoints unanswered after every attempt are "situation not known" (810): nothing
    # bounced, so there is no evidence for 820 "cannot be contacted".
    final = tracker_rows(school.tracker)
    for r in consenting:
        if r in (answers, withdraws):
            continue
        leaving = int(str(final[r]["Leaving year"]))
        for n in (1, 2, 3):
            if 2027 <= leaving + n <= 2029:
                assert final[r][f"Year {n} NCCIS code"] == 810, (r, n)
    years_out = 2027 - int(str(final[answers]["Leaving year"]))
    assert final[answers][f"Year {years_out} NCCIS code"] == 310  # the reply, not 810
    assert sum(int(s["not_known_recorded"]) for s in summaries) >= len(consenting)
    # Every checkpoint a campaign made not known had every attempt its campaign calls for.
    ws = openpyxl.load_workbook(school.tracker)["_destsync_ledger"]
    made = Counter(tuple(parse_key(str(r[0]))[:3]) for r in ws.iter_rows(min_row=2,
                   values_only=True) if r[0] and r[1] in ("sent", "bounced"))
    for r, row in final.items():
        leaving = int(str(row["Leaving year"]))
        for n in (1, 2, 3):
            code, key = str(row.get(f"Year {n} NCCIS code")), ("annual_survey",
                                                               str(leaving + n), r)
            # (820 with no attempt is a leaver with no route at all, by the rules.)
            if 2027 <= leaving + n and (code == "810" or (code == "820" and made[key])):
                assert made[key] == 3, (r, n, code)


def test_a_broken_template_stops_the_run_before_anything_is_written_or_sent(
    school: School,
) -> None:
    import shutil

    from destsync.config.mail import DEFAULT_TEMPLATES

    shutil.copytree(DEFAULT_TEMPLATES, school.folder / "tpl")
    (school.folder / "tpl" / "form_b.html.j2").write_text(
        "<p>Dear {{ student.nickname }}</p>", encoding="utf-8")
    with school.config.open("a", encoding="utf-8") as fh:
        fh.write('\n[mail]\ntemplates = "tpl"\n')
    code, out, err = school.cli("sync", "--config", str(school.config), "--now", "2027-05-03")
    assert code == 2 and out == ""
    assert err.startswith("error: template form_b.html.j2") and "nickname" in err
    assert "Traceback" not in err
    assert not school.tracker.exists() and not (school.folder / "outbox").exists()


def test_preview_renders_a_students_letter_and_the_sample_to_html(school: School) -> None:
    school.sync("2026-11-02")
    ref = next(iter(tracker_rows(school.tracker)))
    html = school.folder / "p.html"
    code, out, _ = school.cli("preview", "--config", str(school.config), "--campaign",
                              "form_b", "--ref", ref, "--html", str(html))
    assert code == 0 and out.startswith("Subject: Oakfield Academy (example): ")
    assert tracker_rows(school.tracker)[ref]["Forename"] in out
    assert "<!doctype html>" in html.read_text(encoding="utf-8")
    code, out, _ = school.cli("preview", "--config", str(school.config), "--campaign",
                              "staff_digest", "--html", str(html))
    assert code == 0 and "(sample data)" in out and "Next trust deadline" in out
    code, _, err = school.cli("preview", "--config", str(school.config), "--campaign",
                              "annual_survey", "--ref", "OAK-0000")
    assert code == 2 and "OAK-0000 is not in any academy's tracker" in err
