"""``destsync preview``: one campaign's email rendered for a student, an academy's digest,
or the sample data, exactly as the send phase would render it."""

from __future__ import annotations

from datetime import datetime

from destsync.config.settings import Config
from destsync.domain.digest import build_digest
from destsync.entrypoints import bootstrap
from destsync.errors import ConfigError, InputError
from destsync.service.outreach import checkin_link, message_context, sample_for
from destsync.service.render import SAMPLE_REF, Renderer, campaign_context, html_page


def render_preview(
    cfg: Config, key: str, ref: str | None, now: datetime
) -> tuple[str, str, str, str]:
    """(subject, text, html page, what it was rendered for)."""
    by_key = {c.key: c for c in cfg.campaigns}
    if key not in by_key:
        raise ConfigError(f"there is no campaign {key!r}",
                          f"use one of {', '.join(by_key) or '(none configured)'}")
    c = by_key[key]
    renderer = Renderer(cfg.mail.templates)
    ctx = None
    where = "sample data"
    if ref is None:
        ctx = sample_for(cfg, cfg.academies[0])
    elif c.audience == "staff" and ref not in (codes := [a.code for a in cfg.academies]):
        # The digest is per academy; a student's Ref used to fail as a template error
        # ("'digest' is undefined"), blaming a template that is fine.
        raise InputError(
            f"{key} goes to staff, so --ref takes an academy code, not {ref!r}",
            f"use --ref {codes[0]} (one of {', '.join(codes)}), or leave out --ref",
        )
    else:
        for a in cfg.academies:
            snap = bootstrap.build(cfg, a).tracker.read()
            if c.audience == "staff" and ref == a.code:
                ctx = message_context(cfg, a, {}, ref, str(now.year))
                ctx["digest"] = build_digest(snap.rows, snap.ledger, cfg.calendar,
                                             cfg.checkpoints, now, len(snap.review_keys), 0,
                                             0, [], (), snap.applications, cfg.support)
            elif ref in snap.rows:
                ctx = message_context(cfg, a, snap.rows[ref], ref, str(now.year))
            if ctx is not None:
                where = f"{ref} in {a.code}'s tracker"
                break
        if ctx is None:
            raise InputError(f"Ref {ref} is not in any academy's tracker",
                             "check the Ref, or leave out --ref to use the sample data")
    ctx.update(campaign_context(c, 1))
    if c.audience == "current":  # as the send phase renders it: the check-in's own link
        ctx["form_link"] = checkin_link(cfg, ref or SAMPLE_REF)
    subject, text, html = renderer.render(c.template, c.subject, ctx)
    return subject, text, html_page(subject, html), where
