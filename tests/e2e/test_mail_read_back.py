"""Bounces and replies read back from the sending mailbox, end to end on the emulator
(Gmail rewriting Message-IDs), through the real CLI with mail.gmail.read_inbox on.

A leaver whose address bounces every time ends as 820 with the bounce as evidence in the
Change log, and is listed in the staff digest; a leaver who replies gets no reminder and
a Review item with the reply's own words; nobody's tracker cells hold a reply."""

from __future__ import annotations

import re
from collections import Counter

from tests.e2e.emulated import (  # noqa: F401 (fixtures)
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)
from tests.emulator.gmail import Stored

SURVEY = ("2027-05-03", "2027-05-17", "2027-06-07")  # attempts 1, 2 and 3
AFTER_GRACE = "2027-08-16"  # the window closed 20 July; 21 days' grace


def _configure(remote: RemoteSchool) -> None:
    out = remote.setup()
    entries = dict(re.findall(r'set form_a\.(\w+_entry) = "(entry\.\d+)"', out))
    with remote.config.open("a", encoding="utf-8") as fh:
        fh.write('\n[mail]\nbackend = "gmail"\n[mail.gmail]\nread_inbox = true\n\n[form_a]\n'
                 + "".join(f'{k} = "{v}"\n' for k, v in entries.items()))
    remote.submit_csv_responses()
    remote.sync("2026-11-02")


def _survey(remote: RemoteSchool) -> dict[str, Stored]:
    """The survey's messages sent so far, by ledger key."""
    return {m.header("X-Destsync-Key"): m for m in remote.emu.state.gmail.messages
            if "SENT" in m.labels and m.header("X-Destsync-Key").startswith("annual_survey/")}


def test_bounces_end_as_820_with_evidence_and_a_reply_stops_the_reminders(
    remote: RemoteSchool,
) -> None:
    _configure(remote)
    gmail = remote.emu.state.gmail
    remote.sync(SURVEY[0])
    first = _survey(remote)
    refs = sorted({k.split("/")[2] for k in first})
    assert len(refs) >= 3
    dead, replier = refs[0], refs[1]
    no_phone = remote.tracker()[dead]
    header = remote.sheets.values("tracker-oak", "Tracker")[0]
    if no_phone["Phone"]:  # 820 needs every route gone: staff remove a wrong number
        row = next(i for i, r in enumerate(remote.sheets.values("tracker-oak", "Tracker"))
                   if r and r[0] == dead)
        remote.sheets.edit_cell("tracker-oak", "Tracker",
                                f"{chr(65 + header.index('Phone'))}{row + 1}", "")
    gmail.bounce(first[f"annual_survey/2027/{dead}/1"].id)
    gmail.reply(first[f"annual_survey/2027/{replier}/1"].id,
                "Hi! I'm at Example College doing A levels.\n\n"
                "On Mon, 3 May 2027, Careers wrote:\n> where are you now?\n")

    second = remote.sync(SURVEY[1])
    assert (second["bounces_read"], second["replies_read"]) == (1, 1)
    ledger = {r["Key"]: r for r in remote.tab("_destsync_ledger")}
    assert ledger[f"annual_survey/2027/{dead}/1"]["State"] == "bounced"
    assert ledger[f"annual_survey/2027/{replier}/0"]["State"] == "replied"
    [item] = [r for r in remote.tab("Review") if r.get("Kind") == "Replied by email"]
    assert item["Ref"] == replier
    assert "Example College doing A levels" in str(item.values())
    assert "where are you now" not in str(item.values())
    assert "Example College doing A levels" not in str(remote.tracker()[replier].values())
    # The same mail read again on the next run changes nothing.
    again = remote.sync(SURVEY[1])
    assert (again["bounces_read"], again["replies_read"]) == (0, 0)
    assert len([r for r in remote.tab("Review") if r.get("Kind") == "Replied by email"]) == 1

    for day in SURVEY[1:]:  # each later attempt to the dead address bounces too
        remote.sync(day)
        latest = max((k for k in _survey(remote) if f"/{dead}/" in k), key=lambda k: k[-1])
        if not gmail.by_id(_survey(remote)[latest].id).bounced:
            gmail.bounce(_survey(remote)[latest].id)
    final = remote.sync(AFTER_GRACE)
    assert final["bounces_read"] == 1
    sent_to = Counter(k.split("/")[2] for k in _survey(remote))
    assert sent_to[replier] == 1, "the leaver who replied was reminded"
    assert sent_to[dead] == 3 and sent_to[refs[2]] == 3
    row = remote.tracker()[dead]
    nccis = [v for h, v in row.items() if h.endswith("NCCIS code") and v]
    assert nccis[-1] == "820" and nccis.count("820") == 1, row  # the survey's checkpoint
    evidence = [e for e in remote.tab("Change log")
                if e.get("Ref") == dead and e.get("New") == "820"]
    assert evidence and f"bounced: annual_survey/2027/{dead}/3" in evidence[0]["Source"]
    replied_row = remote.tracker()[replier]
    assert not [v for h, v in replied_row.items() if h.endswith("NCCIS code") and v == "810"]
    digests = [m for m in gmail.messages if "SENT" in m.labels
               and m.header("X-Destsync-Key").startswith("staff_digest/")]
    assert re.search(rf"Email bounced, correct the address \(\d+\): [^\n]*{dead}",
                     digests[-1].text())
