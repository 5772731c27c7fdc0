"""The date-independent parse of a response, kept in ``_destsync_responses`` so that a
response already placed and unchanged (same id, same lastSubmittedTime, same answers) is
not parsed again: the cell says what ``answers.stable_parse`` found, ``answers.complete``
adds what depends on the day, and the result is the one a full parse gives.

Kept compactly (one JSON cell per response) and without contact details: an email or phone
number is stored only as how it follows from the answer the form still holds ("as typed",
"none", "the UK number's +44 form"); a name, email or phone whose parse raised a problem
(which quotes the answer) is parsed again, and a response with any other problem or a
long answer is not kept. A cell that does not match the answers, an
older version or a damaged cell is ignored: the response is parsed in full.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, tzinfo
from typing import Any

from destsync.domain.answers import (
    Answers,
    ParsedResponse,
    Stable,
    complete,
    email_part,
    name_part,
    phone_part,
    stable_parse,
)
from destsync.domain.model import RawResponse

VERSION = 1  # raise when parsing changes: every kept parse is then redone once
_AS_TYPED, _NONE, _GB = 1, 2, 3
_NOT_DIGITS = re.compile(r"\D")


def answers_digest(a: Answers) -> str:
    """Short digest of the answers: a cell describes these answers or none (answers in
    another order only cost a parse)."""
    text = repr(tuple(a.items()))  # unambiguous, whatever characters the answers hold
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def parse(raw: RawResponse, cell: str, today: date,
          tz: tzinfo | None) -> tuple[ParsedResponse, str]:
    """``raw`` parsed, from ``cell`` when it describes these answers; and the cell to keep
    ("" when this parse cannot be kept, see ``encode``)."""
    stable = decode(cell, raw.answers) if cell else None
    if stable is None:
        stable = stable_parse(raw)
        cell = encode(stable, raw.answers)
    return complete(stable, raw, today, tz), cell


def _gb(text: str) -> str:
    """E.164 as the digits typed say it: "07700 900123" and "+44 7700 900123" alike."""
    digits = _NOT_DIGITS.sub("", text)
    if text.lstrip().startswith("+"):
        return "+" + digits
    return "+44" + digits[1:] if digits.startswith("0") else ""


def _contact(value: str, problems: list[Any], typed: str, gb: bool) -> int:
    """How a contact value follows from the answer (0: it does not: parse it again)."""
    if problems:
        return 0
    if not value:
        return _NONE
    if value == typed:
        return _AS_TYPED
    return _GB if gb and value == _gb(typed) else 0


def encode(s: Stable, a: Answers) -> str:
    if s.long_answers or s.problems:
        # The Change log quotes a long answer; a problem quotes the answer it is about
        # (which may be a contact detail typed in the wrong box): parsed in full each time.
        return ""
    name = [s.name[0], s.name[1]] if not s.name[2] else 0
    group = {k: _AS_TYPED if v == a.get(k) else v for k, v in s.group.items()}
    cell = [VERSION, answers_digest(a), _AS_TYPED if s.reference == a.get("reference") else
            s.reference, name, _contact(*s.email, a.get("email", ""), False),
            _contact(*s.phone, a.get("phone", ""), True), s.consent, int(s.withdraws), group,
            int(s.answered), [list(p) for p in s.problems]]
    return json.dumps(cell, ensure_ascii=False, separators=(",", ":"))


def decode(cell: str, a: Answers) -> Stable | None:
    try:
        v, digest, ref, name, email, phone, consent, withdraws, group, answered, problems = (
            json.loads(cell))
        if v != VERSION or digest != answers_digest(a):
            return None
        s = Stable(a.get("reference", "") if ref == _AS_TYPED else str(ref),
                   (str(name[0]), str(name[1]), []) if name else name_part(a),
                   _value(email, a.get("email", "")) or email_part(a),
                   _value(phone, a.get("phone", "")) or phone_part(a),
                   consent if isinstance(consent, bool) else None, bool(withdraws),
                   {str(k): a.get(k, "") if x == _AS_TYPED else str(x) for k, x in group.items()},
                   bool(answered), [(int(i), str(f), str(t)) for i, f, t in problems])
    except (ValueError, TypeError, KeyError, IndexError):
        return None  # a damaged cell: parse in full
    return s


def _value(how: object, typed: str) -> tuple[str, list[Any]] | None:
    if how == _NONE:
        return "", []
    if how == _AS_TYPED:
        return typed, []
    return (_gb(typed), []) if how == _GB else None
