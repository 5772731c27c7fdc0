"""The check-in form and the Applications tab on the Workspace emulator (issue 16):
`setup` creates the check-in form (Forms create, then batchUpdate, then publish) and the
Applications tab with its Status dropdown; a sync records each application as a row of
its own, a staff edit stands through a later check-in, and a second sync changes nothing.
Every request is checked against the discovery documents by the emulator."""

from __future__ import annotations

import re

from destsync.domain.applications_tab import APP_HEADERS, APPLICATIONS
from destsync.domain.checkin import default_questions
from destsync.domain.checkin_place import FORWARDED
from destsync.domain.model import APPLICATION_STATUSES
from tests.e2e.emulated import (  # noqa: F401
    SHEET_ID,
    RemoteSchool,
    emulator_fixture,
    remote_fixture,
)

QUESTIONS = default_questions(2)


def with_checkin(remote: RemoteSchool, form_id: str = "", entry: str = "") -> None:
    text = remote.config.read_text(encoding="utf-8").split("\n# check-in\n")[0]
    form = f', form_id = "{form_id}"' if form_id else ""
    entry = f'reference_entry = "{entry}"\n' if entry else ""
    remote.config.write_text(
        text + "\n# check-in\n"
        f'checkin = {{ backend = "google_forms"{form} }}\n\n[checkin]\nslots = 2\n{entry}',
        encoding="utf-8")


def submit(remote: RemoteSchool, form_id: str, when: str, **answers: str) -> None:
    by_title = {QUESTIONS[k]: v for k, v in answers.items()}
    remote.emu.state.forms.add_response(form_id, by_title, when)


def current_student(remote: RemoteSchool) -> dict[str, str]:
    return next(r for r in remote.tracker().values() if r["Leaving year"] == "2027")


def test_setup_makes_the_form_and_tab_and_staff_edits_of_applications_stand(
        remote: RemoteSchool) -> None:
    with_checkin(remote)
    out = remote.setup()
    form_id = re.search(r"created the check-in form, form id (\S+)", out)
    assert form_id, out
    fid = form_id.group(1)
    assert "added the Applications tab" in out
    assert "check-in form was unpublished; published it" in out
    items = remote.emu.state.forms.forms[fid]["items"]
    assert [i["title"] for i in items][-1] == QUESTIONS["reference"]
    assert {q for q in QUESTIONS.values()} == {i["title"] for i in items}
    entry = re.search(r'set checkin.reference_entry = "(entry\.\d+)"', out)
    assert entry, out
    with_checkin(remote, fid)
    again = remote.setup()
    assert "already has the Applications tab" in again
    assert "already set up check-in" in again
    _, doctor, _ = remote.cli("doctor", "--config", str(remote.config))
    assert f'fix: set checkin.reference_entry = "{entry.group(1)}"' in doctor
    with_checkin(remote, fid, entry.group(1))
    _, doctor, _ = remote.cli("doctor", "--config", str(remote.config))
    assert "checkin." not in doctor and "check-in" not in doctor
    code, checked, err = remote.cli("check", "--config", str(remote.config))
    assert code == 0, err
    assert "check-in: 0 answers readable" in checked
    assert remote.sheets.values(SHEET_ID, APPLICATIONS)[0] == list(APP_HEADERS)

    remote.sync("2026-09-20")  # the roster's rows
    s = current_student(remote)
    who = {"reference": s["Ref"], "name": f"{s['Forename']} {s['Surname']}"}
    submit(remote, fid, "2026-10-01T09:00:00Z", **who, intended="University",
           app1_provider="University of Example", app1_course="BSc Physics",
           app1_status="Applied", app2_provider="Example College", app2_course="Law",
           app2_status="Applied")
    first = remote.sync("2026-10-02")
    assert first["applications_added"] == 2
    rows = remote.tab(APPLICATIONS)
    assert sorted(r["Course / job"] for r in rows) == ["BSc Physics", "Law"]
    assert remote.tracker()[s["Ref"]]["Intended destination"] == "University"

    # Staff hear of an offer and record it; the student's next check-in says Rejected.
    header = remote.sheets.values(SHEET_ID, APPLICATIONS)[0]
    physics = 2 + [r["Course / job"] for r in rows].index("BSc Physics")
    col = "ABCDEFG"[header.index("Status")]
    remote.sheets.edit_cell(SHEET_ID, APPLICATIONS, f"{col}{physics}", "Offer")
    submit(remote, fid, "2026-11-01T09:00:00Z", **who, intended="University",
           app1_provider="University of Example", app1_course="BSc Physics",
           app1_status="Rejected", app2_provider="Example College", app2_course="Law",
           app2_status="Offer")
    second = remote.sync("2026-11-02")
    assert second["applications_updated"] >= 1
    by_course = {r["Course / job"]: r["Status"] for r in remote.tab(APPLICATIONS)}
    assert by_course == {"BSc Physics": "Offer", "Law": "Offer"}
    conflicts = [r for r in remote.tab("Review") if r["Kind"] == "Conflict"]
    assert [r["Value in tracker"] for r in conflicts] == ["Offer"]
    third = remote.sync("2026-11-03")
    # Nothing new costs what it did before the check-in: one read (and the lease's three:
        # take, read back with a get, release),
    # plus the check-in form's own get and list.
    assert third["api_calls"] == {
        "forms": {"get": 2, "responses.list": 2},
        "sheets": {"batchUpdate": 2, "get": 1, "values.batchGet": 1}}
    assert (third["applications_added"], third["applications_updated"],
            third["cells_updated"]) == (0, 0, 0)
    # A forwarded link: someone else's name on this student's reference writes nothing.
    submit(remote, fid, "2026-11-04T09:00:00Z", reference=s["Ref"], name="Jordan Stranger",
           app1_provider="Elsewhere University", app1_course="History")
    remote.sync("2026-11-05")
    assert "History" not in {r["Course / job"] for r in remote.tab(APPLICATIONS)}
    assert [r["Kind"] for r in remote.tab("Review") if r["Kind"] == FORWARDED] == [FORWARDED]


def test_the_status_column_offers_the_statuses(remote: RemoteSchool) -> None:
    with_checkin(remote, "checkin-oak")
    remote.emu.state.forms.create("", form_id="checkin-oak")
    remote.setup()
    sheet = remote.sheets.book(SHEET_ID).sheet_by_title(APPLICATIONS)
    (rule,) = sheet.validations
    assert rule["range"]["startColumnIndex"] == list(APP_HEADERS).index("Status")
    options = [v["userEnteredValue"] for v in rule["rule"]["condition"]["values"]]
    assert options == list(APPLICATION_STATUSES) and rule["rule"]["strict"] is False


READ = "sheets.spreadsheets.values.batchGet"
LOCKING = "sheets.spreadsheets.batchUpdate"


def test_an_application_edited_mid_run_is_kept_and_an_edit_under_the_lock_refused(
        remote: RemoteSchool) -> None:
    from tests.emulator.sheets_staff import Protected

    with_checkin(remote, "checkin-oak")
    remote.emu.state.forms.create("", form_id="checkin-oak")
    remote.setup()
    remote.sync("2026-09-20")
    s = current_student(remote)
    who = {"reference": s["Ref"], "name": f"{s['Forename']} {s['Surname']}"}
    submit(remote, "checkin-oak", "2026-10-01T09:00:00Z", **who,
           app1_provider="University of Example", app1_course="BSc Physics",
           app1_status="Applied")
    remote.sync("2026-10-02")
    submit(remote, "checkin-oak", "2026-11-01T09:00:00Z", **who,
           app1_provider="University of Example", app1_course="BSc Physics",
           app1_status="Firm")
    header = remote.sheets.values(SHEET_ID, APPLICATIONS)[0]
    status = f"{'ABCDEFG'[header.index('Status')]}2"
    refused: list[Protected] = []

    def staff_types() -> None:  # after destsync read the sheet, before it locked it
        remote.sheets.edit_cell(SHEET_ID, APPLICATIONS, status, "Offer")
        remote.emu.schedule(LOCKING, staff_types_again)  # the next: the write's lock

    def staff_types_again() -> None:  # while the write lock holds
        try:
            remote.sheets.edit_cell(SHEET_ID, APPLICATIONS, status, "Rejected")
        except Protected as exc:
            refused.append(exc)

    remote.emu.schedule(READ, staff_types)
    summary = remote.sync("2026-11-02")
    assert len(refused) == 1
    assert summary["conflicts_at_write"] == 1
    assert remote.tab(APPLICATIONS)[0]["Status"] == "Offer"
    conflict = [r for r in remote.tab("Review") if r["Kind"] == "Conflict"]
    assert [(r["Value in tracker"], r["Value from form"]) for r in conflict] == \
        [("Offer", "Firm")]
    again = remote.sync("2026-11-03")
    assert remote.tab(APPLICATIONS)[0]["Status"] == "Offer"
    assert again["applications_updated"] == 0 and again["conflicts"] == 0


def test_an_erasure_on_google_takes_the_students_applications(remote: RemoteSchool) -> None:
    with_checkin(remote, "checkin-oak")
    remote.emu.state.forms.create("", form_id="checkin-oak")
    remote.setup()
    remote.sync("2026-09-20")
    s = current_student(remote)
    submit(remote, "checkin-oak", "2026-10-01T09:00:00Z", reference=s["Ref"],
           name=f"{s['Forename']} {s['Surname']}", app1_provider="University of Example",
           app1_course="BSc Physics")
    remote.sync("2026-10-02")
    assert len(remote.tab(APPLICATIONS)) == 1
    code, _, err = remote.cli("erase", "--config", str(remote.config), "--ref", s["Ref"])
    assert code == 0, err
    assert remote.tab(APPLICATIONS) == []
    after = remote.sync("2026-10-03")  # the check-in is set aside by the tombstone
    assert after["applications_added"] == 0 and remote.tab(APPLICATIONS) == []
