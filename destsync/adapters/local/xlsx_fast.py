"""A tab's values read straight from its XML, for the read pass of a sync.

openpyxl's read-only mode builds a Python object per XML element: a 10,000-row tracker's
tabs took seconds to read that way, most of a sync with nothing new. The cells of a
worksheet are simple enough to pick out with one regular expression, which runs in C.

The values are exactly those ``ws.iter_rows(values_only=True)`` gives (the same row
lengths, blank rows as ``[]``, numbers, dates by the cell's style, booleans, shared and
inline strings); a test holds the two readers to that over generated workbooks and
hand-written XML of the kinds Excel and LibreOffice save. The workbook's shared strings,
styles and date system still come from openpyxl. A tab using anything else (formulas,
namespace prefixes, CDATA, comments, another encoding) is read by openpyxl as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# One match per row start or cell, in document order, in the forms openpyxl, Excel and
# LibreOffice write: r, s and t in that order, a <v> value or a plain inline string. A tab
# with any other form of row or cell (counted below) is left to openpyxl.
_TOKEN = re.compile(
    r'<row r="(\d+)"[^>]*?(/?)>'
    r'|<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?'
    r'(?: ?(/)>|><v>([^<]*)</v></c>|><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>)')
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class Unsupported(Exception):
    """The tab holds something only openpyxl reads right."""


def rows(ws: Any, min_row: int = 1) -> Iterator[Sequence[Any]]:
    """The tab's rows from ``min_row``, as ``ws.iter_rows(min_row, values_only=True)``
    gives them once ``ws.reset_dimensions()`` has made it read to the end."""
    if isinstance(ws, ReadOnlyWorksheet):
        try:
            return iter(list(_rows(ws, min_row)))
        except Unsupported:
            pass
    return iter(ws.iter_rows(min_row=min_row, values_only=True))


def _rows(ws: ReadOnlyWorksheet, min_row: int) -> Iterator[Sequence[Any]]:
    wb = ws.parent
    with wb._archive.open(ws._worksheet_path) as src:
        raw = src.read()
    head = raw[:200].lower()
    if b"encoding=" in head and not re.search(rb"encoding=[\"']utf-?8[\"']", head):
        raise Unsupported
    text = raw.decode("utf-8")
    start, end = text.find("<sheetData"), text.rfind("</sheetData>")
    if start < 0:
        raise Unsupported  # a prefixed namespace (<x:sheetData>)
    data = text[start:end] if end > start else ""
    tokens = _TOKEN.findall(data)
    if len(tokens) != data.count("<c") + data.count("<row"):
        raise Unsupported  # a formula, rich text, a cell without its place...
    convert = _Convert(ws._shared_strings, wb._date_formats, wb._timedelta_formats, wb.epoch)
    counter = min_row
    cells: dict[int, Any] = {}
    last, row_no, open_row = 0, 0, False
    columns = _COLUMNS
    for number, closed, letters, style, kind, empty, value, inline in tokens:
        if not number:
            last = columns.get(letters) or _column(letters)
            if empty:
                cells[last] = None
            elif kind == "inlineStr" and "&" not in inline and "\r" not in inline:
                cells[last] = inline  # the usual text cell, as openpyxl writes it
            else:
                cells[last] = convert(style, kind, value, inline)
            continue
        if open_row and row_no >= counter:
            yield from _blank_rows(row_no - counter)
            counter = row_no + 1
            yield _padded(cells, last)
        row_no, open_row, cells, last = int(number), not closed, {}, 0
        if closed and row_no >= counter:  # <row r="5"/>: a row with no cells
            yield from _blank_rows(row_no - counter)
            counter = row_no + 1
            yield ()
    if open_row and row_no >= counter:
        yield from _blank_rows(row_no - counter)
        yield _padded(cells, last)


def _blank_rows(n: int) -> Iterator[list[Any]]:
    for _ in range(n):
        yield []  # what openpyxl gives for a row missing from the XML


def _padded(cells: dict[int, Any], last: int) -> tuple[Any, ...]:
    """As openpyxl: as wide as the row's last cell says (a cell further right before it,
    out of order, is dropped)."""
    if not cells:
        return ()
    out: list[Any] = [None] * last
    for c, value in cells.items():
        if c <= last:
            out[c - 1] = value
    return tuple(out)


_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int:
    n = _COLUMNS.get(letters)
    if n is None:
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        _COLUMNS[letters] = n
    return n


class _Convert:
    """A cell's value as openpyxl's reader makes it (``WorkSheetParser.parse_cell``)."""

    def __init__(self, shared: Sequence[Any], dates: set[int], spans: set[int],
                 epoch: Any) -> None:
        self.shared, self.dates, self.spans, self.epoch = shared, dates, spans, epoch
        self.seen: dict[tuple[str, int], Any] = {}

    def _date(self, number: float, style: int, value: str) -> Any:
        # Dates repeat (a cohort's leaving dates, the day of a sync): convert each once.
        key = (value, style)
        if key not in self.seen:
            try:
                self.seen[key] = from_excel(number, self.epoch, timedelta=style in self.spans)
            except (OverflowError, ValueError):
                self.seen[key] = "#VALUE!"
        return self.seen[key]

    def __call__(self, style: str, kind: str, value: str, inline: str) -> Any:
        if kind == "inlineStr":
            return _unescape(inline)
        if not value:
            return None
        if kind in ("", "n"):
            number = float(value) if ("." in value or "E" in value or "e" in value) \
                else int(value)
            if style and int(style) in self.dates:
                return self._date(number, int(style), value)
            return number
        if kind == "s":
            return self.shared[int(value)]
        if kind == "b":
            return bool(int(value))
        value = _unescape(value)
        if kind == "d":
            return from_ISO8601(value)
        return value  # "str" (a formula's text result), "e" (an error) and the rest


def _unescape(text: str) -> str:
    # An XML parser reads a raw line break as "\n" (an escaped &#13; stays "\r").
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]
