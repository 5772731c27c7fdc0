"""Templates → message text, and message text → ``email.message.EmailMessage``.

Templates are Jinja files staff may edit: ``NAME.txt.j2`` (plain text, no escaping) and
``NAME.html.j2`` (autoescaped). Undefined names are errors, not blanks. Every template is
rendered against sample data (``check``) before any message is sent, so a typo stops the
run instead of sending a broken letter.

Headers are built by the standard library's header registry, and every value is folded to
one line first: nothing a student typed can add a header.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from destsync.domain.contact_plan import Campaign
from destsync.domain.email_message import one_line
from destsync.errors import TemplateError


def environment(folder: Path, *, html: bool, keep_trailing_newline: bool = True,
                ) -> jinja2.Environment:
    """Every template destsync renders: a missing name is an error, never a blank, and
    HTML is autoescaped (names come from students and from a config people edit)."""
    # Plain text is not HTML: escaping would turn O'Rourke into O&#39;Rourke.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=html,  # noqa: S701 - on for every HTML template; text is not HTML
        undefined=jinja2.StrictUndefined, keep_trailing_newline=keep_trailing_newline,
    )


class Renderer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._html = environment(folder, html=True)
        self._text = environment(folder, html=False)
        self._subjects: dict[str, jinja2.Template] = {}

    def render(
        self, template: str, subject: str, context: Mapping[str, Any]
    ) -> tuple[str, str, str]:
        """(subject, text, html) for one message, or TemplateError naming the problem."""
        name = f"{template}.txt.j2"
        try:
            if subject not in self._subjects:
                self._subjects[subject] = self._text.from_string(subject)
            subj = one_line(self._subjects[subject].render(context))
            text = self._text.get_template(name).render(context)
            name = f"{template}.html.j2"
            body = self._html.get_template(name).render(context)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(
                f"template {exc.name} is not in {self.folder}",
                "create it, or fix `template` in the campaign (both .txt.j2 and .html.j2 "
                "are needed)",
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"template {exc.name or name} line {exc.lineno}: {exc.message}",
                "fix the Jinja syntax at that line",
            ) from None
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"template {name} (or the subject): {exc.message}",
                f"use only these names: {', '.join(sorted(context))}",
            ) from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {name}: {exc}", "fix the template") from None
        except Exception as exc:
            where = template_line(exc)
            if where is None:
                raise
            # The type only: the exception's text can quote a student's data (a name that
            # int() refused), and this line goes to stderr and Cloud Logging.
            raise TemplateError(
                f"template {where[0]} line {where[1]} fails as it runs ({type(exc).__name__})",
                "fix the expression at that line; `destsync preview --campaign KEY` shows "
                "the letter",
            ) from None
        return subj, text, body

    def check(self, campaigns: Iterable[Campaign], sample: Mapping[str, Any]) -> int:
        """Render every campaign's templates against the sample; return how many."""
        n = 0
        for c in campaigns:
            self.render(c.template, c.subject, {**sample, **campaign_context(c, 1)})
            n += 1
        return n


def template_line(exc: BaseException) -> tuple[str, int] | None:
    """(file, line) of the innermost template frame in the traceback, or None when no
    template code was running. Jinja rewrites its frames to the template's file name, or
    ``<template>`` for a template built from a string (a campaign subject)."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2") or name == "<template>":
            where = (Path(name).name if name.endswith(".j2") else "a campaign subject",
                     tb.tb_lineno)
        tb = tb.tb_next
    return where


def campaign_context(c: Campaign, attempt: int) -> dict[str, Any]:
    return {"campaign": c.key, "attempt": attempt, "attempts": c.attempts,
            "final_attempt": attempt >= c.attempts}


def stop_context(careers_email: str, ref: str, school: str, form_link: str = ""
                 ) -> dict[str, str]:
    """How the reader stops further contact: ``form_link``, Form A prefilled with the
    answer "No, stop contacting me" (the next sync withdraws consent by itself), when the
    config knows the consent question's entry id; and always a prefilled email to the
    careers team, for a person to act on."""
    subject = f"Please stop contacting me ({ref})"
    body = f"Please stop contacting me about destinations. My reference is {ref}."
    mailto = f"mailto:{careers_email}?subject={quote(subject)}&body={quote(body)}"
    return {
        "email": careers_email,
        "subject": subject,
        "link": form_link or mailto,
        "mailto": mailto,
        "form_link": form_link,
        "school": school,
    }


# The Ref the invented student in sample data carries (and its prefilled link).
SAMPLE_REF = "OAK-0001"


def sample_context(school: str, careers_email: str, trust: str, form_url: str,
                   stop_url: str = "") -> dict[str, Any]:
    """Invented data that exercises the awkward cases: accents, an apostrophe, a
    non-Latin script, markup and a line break in a value."""
    from destsync.domain.digest import sample_digest

    ref = SAMPLE_REF
    return {
        "school": {"name": school, "careers_email": careers_email},
        "trust": {"name": trust},
        "student": {"forename": "Zoë Siobhán", "surname": "O'Rourke <b>美咲</b>",
                    "ref": ref, "leaving_year": 2026, "years_out": 1},
        "form_link": form_url,
        "stop": stop_context(careers_email, ref, school, stop_url),
        "digest": sample_digest(),
    }


def to_terminal_text(subject: str, text: str) -> str:
    return f"Subject: {subject}\n\n{text}"


def html_page(subject: str, body: str) -> str:
    """Wrap a rendered HTML part for viewing in a browser (``destsync preview``)."""
    if "<html" in body.lower():
        return body
    return f"<!doctype html><title>{html.escape(subject)}</title>{body}"
