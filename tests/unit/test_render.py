"""Rendering: templates against awkward data, and MIME messages that cannot be bent."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from destsync.config.mail import DEFAULT_TEMPLATES
from destsync.domain.campaigns import message_id
from destsync.domain.contact_plan import DEFAULT_CAMPAIGNS
from destsync.domain.email_message import build_email
from destsync.domain.plan import OutgoingMessage
from destsync.errors import RecipientRejected, TemplateError
from destsync.service.render import Renderer, campaign_context, sample_context

SAMPLE = sample_context("Oakfield Academy (example)", "careers@oakfield.example.org",
                        "Example Learning Trust",
                        "https://docs.google.com/forms/d/e/X/viewform?usp=pp_url&entry.1=OAK-0001")


def render_all() -> dict[str, tuple[str, str, str]]:
    r = Renderer(DEFAULT_TEMPLATES)
    return {c.key: r.render(c.template, c.subject, {**SAMPLE, **campaign_context(c, 3)})
            for c in DEFAULT_CAMPAIGNS}


def test_every_shipped_template_renders_against_the_sample() -> None:
    assert Renderer(DEFAULT_TEMPLATES).check(DEFAULT_CAMPAIGNS, SAMPLE) == 4


def test_names_with_accents_apostrophes_and_other_scripts_render_as_written() -> None:
    out = render_all()
    _, text, html = out["form_b"]
    assert "Zoë Siobhán O'Rourke <b>美咲</b>" in text  # plain text is not escaped
    assert "Zoë Siobhán O&#39;Rourke &lt;b&gt;美咲&lt;/b&gt;" in html  # HTML is
    assert "<b>美咲" not in html


def test_every_message_says_how_to_stop_further_contact() -> None:
    for key, (_, text, html) in render_all().items():
        assert "careers@oakfield.example.org" in text, key
        assert "stop" in text.lower() and "stop" in html.lower(), key


def test_the_follow_up_carries_the_personal_prefilled_link() -> None:
    _, text, html = render_all()["annual_survey"]
    assert "entry.1=OAK-0001" in text
    link = "https://docs.google.com/forms/d/e/X/viewform?usp=pp_url&amp;entry.1=OAK-0001"
    assert f'href="{link}"' in html
    assert "last time we'll ask" in text  # attempt 3 of 3


def message(**kw: str) -> OutgoingMessage:
    base = dict(key="form_b/2026/OAK-1/1", ref="OAK-1", campaign="form_b",
                to="parent@example.org", subject="Hello", text="Hi Zoë\n", html="<p>Hi Zoë</p>")
    base.update(kw)
    return OutgoingMessage(**base)  # type: ignore[arg-type]


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


def test_a_newline_in_a_value_can_never_make_a_header() -> None:
    evil = "Results\r\nBcc: victim@example.org\nX-Evil: 1"
    em = build_email(message(subject=evil), "careers@example.org",
                     sender_name="Careers\r\nBcc: x@example.org", reply_to="careers@example.org")
    back = parse(em.as_bytes())
    assert back["Bcc"] is None and back["X-Evil"] is None
    assert back["Subject"] == "Results Bcc: victim@example.org X-Evil: 1"
    with pytest.raises(RecipientRejected):
        build_email(message(to="a@example.org\r\nBcc: victim@example.org"), "careers@example.org")
    with pytest.raises(RecipientRejected):
        build_email(message(to="not an address"), "careers@example.org")


def test_unicode_survives_the_mime_round_trip_and_the_message_id_is_the_keys() -> None:
    subject = "Zoë, 美咲 and O'Rourke: where are you now?"
    em = build_email(message(subject=subject), "careers@example.org", "Oakfield Académie",
                     "careers@example.org")
    raw = em.as_bytes()
    assert all(b < 128 for b in raw)  # 7-bit clean: no relay can mangle it
    back = parse(raw)
    assert back["Subject"] == subject
    assert back["Message-ID"] == message_id("form_b/2026/OAK-1/1")
    plain = back.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = back.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert plain.replace("\r\n", "\n") == "Hi Zoë\n"  # CRLF is how mail travels
    assert html.replace("\r\n", "\n") == "<p>Hi Zoë</p>\n"
    assert "mailto:careers@example.org" in back["List-Unsubscribe"]


def write(folder: Path, name: str, text: str, html: str = "<p>ok</p>") -> Renderer:
    (folder / f"{name}.txt.j2").write_text(text, encoding="utf-8")
    (folder / f"{name}.html.j2").write_text(html, encoding="utf-8")
    return Renderer(folder)


def test_an_unknown_name_in_a_template_is_a_one_line_error(tmp_path: Path) -> None:
    r = write(tmp_path, "t", "Hello {{ student.nickname }}")
    with pytest.raises(TemplateError) as err:
        r.render("t", "s", SAMPLE)
    assert "nickname" in err.value.message and "\n" not in err.value.message
    assert "student" in err.value.hint


def test_a_syntax_error_names_the_template_and_line(tmp_path: Path) -> None:
    r = write(tmp_path, "t", "ok\n{% if %}\n")
    with pytest.raises(TemplateError) as err:
        r.render("t", "s", SAMPLE)
    assert "t.txt.j2 line 2" in err.value.message


def test_a_missing_template_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as err:
        Renderer(tmp_path).render("nope", "s", SAMPLE)
    assert "nope.txt.j2" in err.value.message
