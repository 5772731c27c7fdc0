"""The ``[interventions]`` table: the trust's dates for the digest's support sections
(``domain.interventions``), each "MM-DD". Absent keys keep the defaults there."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date

from destsync.config.reader import TableReader
from destsync.domain.interventions import SupportDates


def parse_interventions(root: TableReader) -> SupportDates:
    t = root.table("interventions")
    values: dict[str, str] = {}
    for f in fields(SupportDates):
        if not t.has(f.name):
            continue
        text = str(t.text(f.name)).strip()
        if not re.fullmatch(r"\d\d-\d\d", text) or not _real(text):
            raise t.error(f.name, f"is {text!r}, not a month and day",
                          f'write "MM-DD", e.g. "{getattr(SupportDates(), f.name)}"')
        values[f.name] = text
    t.done()
    return SupportDates(**values)


def _real(text: str) -> bool:
    month, day = (int(p) for p in text.split("-"))
    try:
        date(2024, month, day)  # a leap year: 02-29 is a real date some years
    except ValueError:
        return False
    return True
