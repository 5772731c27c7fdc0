"""The stop link, end to end through the real CLI: a leaver opens the link every message
carries (in its body and in List-Unsubscribe), submits the prefilled Form A, and the next
sync withdraws consent, erases the contact details, logs it and sends nothing more.

Once on the emulator (Google Forms, Sheets and Gmail, with the entry ids `destsync setup`
prints) and once locally (the Forms CSV export, the workbook and the outbox)."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

from destsync.config.settings import DEFAULT_QUESTIONS
from destsync.domain.answers import STOP_ANSWER
from tests.e2e.conftest import School
from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    FORM_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.e2e.test_campaign_cycle import outbox
from tests.e2e.test_cli_sync import tracker_rows

FIRST, SECOND = "2027-05-03", "2027-05-18"  # the survey's attempts 1 and 2


def stop_url(list_unsubscribe: str) -> str:
    found = re.findall(r"<(https://[^>]+)>", " ".join(list_unsubscribe.split()))
    assert len(found) == 1, list_unsubscribe
    return found[0]


def prefilled(url: str) -> dict[str, str]:
    query = parse_qs(urlsplit(url).query)
    assert query.pop("usp") == ["pp_url"]
    return {k: v[0] for k, v in query.items()}


def test_on_the_emulator_the_stop_link_withdraws_and_nothing_more_is_sent(
    remote: RemoteSchool,
) -> None:
    out = remote.setup()
    entries = dict(re.findall(r'set form_a\.(\w+_entry) = "(entry\.\d+)"', out))
    assert set(entries) == {"reference_entry", "consent_entry"}, out
    options = [i for i in remote.emu.state.forms.form(FORM_ID)["items"]
               if i["title"] == DEFAULT_QUESTIONS["consent"]]
    assert options, "setup made no consent question"
    choice = options[0]["questionItem"]["question"]["choiceQuestion"]["options"]
    assert [o["value"] for o in choice] == ["Yes", "No", STOP_ANSWER]
    with remote.config.open("a", encoding="utf-8") as fh:
        fh.write('\n[mail]\nbackend = "gmail"\n\n[form_a]\n'
                 'responder_url = "https://docs.google.com/forms/d/e/FORM/viewform"\n'
                 + "".join(f'{k} = "{v}"\n' for k, v in entries.items()))
    remote.submit_csv_responses()
    remote.sync("2026-11-02")
    assert remote.sync(FIRST)["emails_sent"] > 1
    gmail = remote.emu.state.gmail
    survey = [m for m in gmail.messages if "SENT" in m.labels
              and m.header("X-Destsync-Key").startswith("annual_survey/")]
    leaver = survey[0]
    link = stop_url(leaver.header("List-Unsubscribe"))
    assert link in leaver.text()
    assert leaver.header("List-Unsubscribe").split()[0].startswith(
        "<mailto:careers@oakfield.example.org?")
    answers = prefilled(link)
    ref = answers[entries["reference_entry"]]
    assert answers[entries["consent_entry"]] == STOP_ANSWER
    # The leaver presses Submit (typing their own name, which the form requires; a
    # stranger's name would make it a forwarded link, for Review).
    before = remote.tracker()[ref]
    qids = remote.emu.state.forms.question_ids(FORM_ID)
    by_entry = {f"entry.{int(q, 16)}": q for q in qids.values()}
    submitted = {by_entry[e]: v for e, v in answers.items()}
    submitted[qids[DEFAULT_QUESTIONS["name"]]] = f"{before['Forename']} {before['Surname']}"
    remote.emu.state.forms.add_response(FORM_ID, submitted, "2027-05-05T18:00:00Z")

    second = remote.sync(SECOND)
    row = remote.tracker()[ref]
    assert (row["Consent"], row["Personal email"], row["Phone"]) == ("Withdrawn", "", "")
    assert row["Consent evidence"].startswith("withdrawn via stop link, wording v")
    log = [e for e in remote.tab("Change log") if e.get("Ref") == ref]
    assert any(e.get("Field") == "Consent" and e.get("New") == "Withdrawn" for e in log), log
    assert sum(e.get("Old") == "(erased)" for e in log) >= 1, log
    sent_to = Counter(m.header("X-Destsync-Key").split("/")[2] for m in gmail.messages
                      if "SENT" in m.labels)
    assert sent_to[ref] == 1, "the withdrawn leaver was written to again"
    assert second["emails_sent"] >= 1  # the others got their second attempt


def test_locally_the_exported_stop_answer_withdraws_and_nothing_more_is_sent(
    school: School,
) -> None:
    text = school.config.read_text(encoding="utf-8").replace(
        "[form_a]\n", '[form_a]\nreference_entry = "entry.1000001"\n'
                      'consent_entry = "entry.1000002"\n', 1)
    school.config.write_text(text, encoding="utf-8")
    school.sync("2026-11-02")
    assert school.sync(FIRST)["emails_sent"] > 1
    first = outbox(school.folder)
    key, msg = next((k, m) for k, m in sorted(first.items()) if k.startswith("annual_survey/"))
    link = stop_url(str(msg["List-Unsubscribe"]))
    answers = prefilled(link)
    ref = answers["entry.1000001"]
    assert key.split("/")[2] == ref and answers["entry.1000002"] == STOP_ANSWER
    # The Forms CSV export carries the chosen option's text in the consent column.
    before = tracker_rows(school.tracker)[ref]
    school.add_response("2027/05/05 6:00:00 PM GMT", reference=ref,
                        name=f"{before['Forename']} {before['Surname']}",
                        consent=answers["entry.1000002"])
    school.sync(SECOND)
    row = tracker_rows(school.tracker)[ref]
    assert (row["Consent"], row["Personal email"] or "", row["Phone"] or "") == (
        "Withdrawn", "", "")
    assert row["Consent evidence"].startswith("withdrawn via stop link, wording v")
    later = outbox(school.folder)
    assert [k for k in later if k.split("/")[2] == ref] == [key]
    assert len(later) > len(first)  # the others got their second attempt
