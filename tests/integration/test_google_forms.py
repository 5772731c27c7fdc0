"""The Forms adapter against the emulator: titles to questionIds, paging, the watermark
with its overlap, and edited responses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from destsync.adapters.google import credentials as cr
from destsync.adapters.google import forms as google_forms
from destsync.adapters.google.forms import GoogleFormsSource
from destsync.adapters.google.retry import RetryPolicy
from destsync.adapters.google.setup import setup_form
from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.domain.answers import STOP_ANSWER
from destsync.errors import InputError
from tests.emulator import Emulator

FORM = "form-1"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator() as e:
        monkeypatch.setenv(cr.EMULATOR_ENV, e.host)
        e.state.forms.create("", form_id=FORM)
        yield e


def source(calls: Counter[str], watermark: str = "") -> GoogleFormsSource:
    creds = cr.credentials_for(cr.FORMS_READ_SCOPES)
    policy = RetryPolicy(total_seconds=2, first_delay=0.001)
    src = GoogleFormsSource(lambda: cr.discovery_service("forms", "v1", creds, policy, calls),
                            FORM, DEFAULT_QUESTIONS, (lambda: watermark) if watermark else None)
    return src


def submit(emu: Emulator, n: int, when: str, rid: str | None = None) -> None:
    emu.state.forms.add_response(
        FORM, {DEFAULT_QUESTIONS["name"]: f"Student {n}",
               DEFAULT_QUESTIONS["email"]: f"s{n}@example.org"}, when, rid)


def test_setup_adds_form_a_and_a_second_run_changes_nothing(emu: Emulator) -> None:
    changed, entries = setup_form(source(Counter()), "Form A")
    assert changed and entries["reference_entry"].startswith("entry.")
    assert entries["consent_entry"].startswith("entry.")
    assert entries["consent_entry"] != entries["reference_entry"]
    again, _ = setup_form(source(Counter()), "Form A")
    assert not again
    assert set(emu.state.forms.question_ids(FORM)) == {t for t in DEFAULT_QUESTIONS.values()}


def test_setup_adds_the_stop_answer_to_a_consent_question_made_before_it(
    emu: Emulator,
) -> None:
    setup_form(source(Counter()), "Form A")
    consent = next(i for i in emu.state.forms.form(FORM)["items"]
                   if i["title"] == DEFAULT_QUESTIONS["consent"])
    choice = consent["questionItem"]["question"]["choiceQuestion"]
    choice["options"] = [{"value": "Yes"}, {"value": "No"}]  # as an older setup made it
    qid = consent["questionItem"]["question"]["questionId"]
    changed, entries = setup_form(source(Counter()), "Form A")
    assert changed and entries["consent_entry"] == f"entry.{int(qid, 16)}"
    consent = next(i for i in emu.state.forms.form(FORM)["items"]
                   if i["title"] == DEFAULT_QUESTIONS["consent"])
    question = consent["questionItem"]["question"]
    assert [o["value"] for o in question["choiceQuestion"]["options"]] == [
        "Yes", "No", STOP_ANSWER]
    assert question["questionId"] == qid  # the same question: links and answers keep working
    assert setup_form(source(Counter()), "Form A")[0] is False


def test_every_page_is_read_and_answers_are_keyed_by_field(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_form(source(Counter()), "Form A")
    for n in range(12):
        submit(emu, n, f"2026-06-0{1 + n % 9}T10:00:{n:02d}Z")
    monkeypatch.setattr(google_forms, "PAGE_SIZE", 5)
    calls: Counter[str] = Counter()
    got = source(calls).read(None)
    assert len(got) == 12 and calls["forms.responses.list"] == 3
    assert {r.answers["name"] for r in got} == {f"Student {n}" for n in range(12)}
    assert all(r.answers["phone"] == "" for r in got)
    assert got[0].submitted.tzinfo is not None


def test_the_watermark_reads_only_newer_responses_with_a_small_overlap(emu: Emulator) -> None:
    setup_form(source(Counter()), "Form A")
    submit(emu, 1, "2026-06-01T09:00:00Z")
    submit(emu, 2, "2026-06-01T09:55:00Z")  # inside the 10-minute overlap
    submit(emu, 3, "2026-06-02T09:00:00Z")
    got = source(Counter(), watermark="2026-06-01T10:00:00+00:00").read(None)
    assert [r.answers["name"] for r in got] == ["Student 2", "Student 3"]
    since = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert [r.answers["name"] for r in source(Counter()).read(since)] == ["Student 3"]


def test_an_edited_response_is_read_again_with_its_new_time(emu: Emulator) -> None:
    setup_form(source(Counter()), "Form A")
    submit(emu, 1, "2026-06-01T09:00:00Z", rid="R1")
    submit(emu, 7, "2026-06-05T09:00:00Z", rid="R1")  # the student edits their answers
    got = source(Counter(), watermark="2026-06-03T00:00:00+00:00").read(None)
    assert [(r.response_id, r.answers["name"]) for r in got] == [("R1", "Student 7")]


def test_a_question_renamed_in_the_form_is_a_clear_error(emu: Emulator) -> None:
    setup_form(source(Counter()), "Form A")
    for item in emu.state.forms.form(FORM)["items"]:
        if item["title"] == DEFAULT_QUESTIONS["phone"]:
            item["title"] = "Mobile"
    with pytest.raises(InputError) as caught:
        source(Counter()).read(None)
    assert "'Telephone number'" in caught.value.message
    assert "form_a.questions.phone" in caught.value.hint


def test_an_unknown_form_is_one_line(emu: Emulator) -> None:
    src = source(Counter())
    src.form_id = "missing"
    with pytest.raises(InputError) as caught:
        src.read(None)
    assert "was not found" in caught.value.message
