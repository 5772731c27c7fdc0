"""`destsync doctor` names every problem of a setup at once, each with its fix."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from destsync.config.settings import DEFAULT_QUESTIONS
from tests.e2e.emulated import FORM_ID, SHEET_ID, RemoteSchool
from tests.e2e.emulated import emulator_fixture as emulator_fixture
from tests.e2e.emulated import remote_fixture as remote_fixture

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prefill_key(remote: RemoteSchool, key: str = "reference") -> str:
    qid = remote.emu.state.forms.question_ids(FORM_ID)[DEFAULT_QUESTIONS[key]]
    return f"entry.{int(qid, 16)}"


def test_a_healthy_setup_is_all_well(remote: RemoteSchool) -> None:
    remote.setup()
    text = remote.config.read_text(encoding="utf-8")
    remote.config.write_text(text.replace("[[academies]]", (
        '[form_a]\nresponder_url = "https://docs.google.com/forms/d/e/X/viewform"\n'
        f'reference_entry = "{prefill_key(remote)}"\n'
        f'consent_entry = "{prefill_key(remote, "consent")}"\n\n[[academies]]'), 1),
        encoding="utf-8")
    code, out, err = remote.cli("doctor", "--config", str(remote.config))
    assert (code, err) == (0, "") and "all well" in out, out
    # Without the consent question's key, messages would carry no stop link: said.
    remote.config.write_text(remote.config.read_text(encoding="utf-8").replace(
        "consent_entry", "# consent_entry"), encoding="utf-8")
    code, out, err = remote.cli("doctor", "--config", str(remote.config))
    assert code == 2 and "form_a.consent_entry" in out and "stop link" in out, out
    assert f'set form_a.consent_entry = "{prefill_key(remote, "consent")}"' in out


def test_five_breakages_are_all_named_with_their_fixes(remote: RemoteSchool) -> None:
    remote.setup()
    real_entry = prefill_key(remote)
    # 1. a question deleted from the form
    form = remote.emu.state.forms.form(FORM_ID)
    form["items"] = [i for i in form["items"]
                     if i.get("title") != DEFAULT_QUESTIONS["destination"]]
    # 2. a header renamed in the sheet
    remote.sheets.rename_header(SHEET_ID, "Tracker", "Surname", "Family name")
    # 3. a template that does not render
    letters = remote.folder / "letters"
    shutil.copytree(ROOT / "destsync" / "templates", letters)
    (letters / "followup.txt.j2").write_text("{{ student.forename + 1 }}\n", encoding="utf-8")
    # 4. a wrong prefill key and 5. an SMTP server that is not there
    text = remote.config.read_text(encoding="utf-8")
    text = text.replace("[[academies]]", (
        '[form_a]\nresponder_url = "https://docs.google.com/forms/d/e/X/viewform"\n'
        'reference_entry = "entry.1"\n\n'
        f'[mail]\nbackend = "smtp"\ntemplates = "letters"\n\n'
        f'[mail.smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nstarttls = false\n'
        "timeout = 3\n\n[[academies]]"), 1)
    remote.config.write_text(text, encoding="utf-8")
    code, out, err = remote.cli("doctor", "--config", str(remote.config))
    assert code == 2 and err == ""
    problems = [line for line in out.splitlines() if line.startswith("- ")]
    fixes = [line for line in out.splitlines() if line.startswith("  fix: ")]
    assert len(problems) == 5, out
    assert len(fixes) == 5, out
    joined = out.lower()
    assert "followup.txt.j2" in joined  # the template
    assert "surname" in joined  # the header
    assert DEFAULT_QUESTIONS["destination"].lower() in joined  # the question
    assert real_entry in out  # the prefill key, with the right value as the fix
    assert "smtp" in joined  # the mailer


def test_a_config_that_does_not_load_is_one_problem(tmp_path: Path,
                                                    remote: RemoteSchool) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[trust\n", encoding="utf-8")
    code, out, _ = remote.cli("doctor", "--config", str(bad))
    assert code == 2 and out.count("\n- ") + out.startswith("- ") == 1
