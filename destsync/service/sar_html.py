"""The subject access record as a page a person can read: the same content as the JSON,
rendered by an autoescaped template (what students and staff typed is text, never HTML)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from destsync.config.mail import DEFAULT_TEMPLATES
from destsync.service.render import environment

TEMPLATE = "subject_access.html.j2"


def render_sar(record: Mapping[str, Any]) -> str:
    env = environment(DEFAULT_TEMPLATES, html=True, keep_trailing_newline=False)
    return env.get_template(TEMPLATE).render(**record)
