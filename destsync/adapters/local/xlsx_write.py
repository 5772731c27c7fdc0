"""Saving a workbook: each cell's XML written as text, byte for byte what openpyxl writes.

openpyxl (without lxml, which destsync does not depend on) writes a cell by building an
ElementTree element and serialising it in pure Python: three quarters of saving a
10,000-row tracker. For the cells a tracker holds (text, numbers, dates, blanks) the XML
is a short fixed pattern; ``fast_cells`` writes those directly and hands every other cell
(formulas, rich text, hyperlinks, booleans, ISO dates) to openpyxl's own writer. A test
saves the same workbooks both ways and compares the files' bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

import openpyxl.worksheet._writer as sheet_writer
from openpyxl.cell._writer import write_cell as openpyxl_write_cell
from openpyxl.compat import safe_string
from openpyxl.utils.datetime import to_excel

_TYPE = {"s": "inlineStr", "n": "n", "d": "n"}  # data type -> the t attribute written
_DATES = (datetime, date, time, timedelta)


def _write_cell(xf: Any, worksheet: Any, cell: Any, styled: bool | None = None) -> None:
    value, kind = cell._value, cell.data_type
    write = getattr(xf, "_file", None)
    if (write is None or kind not in _TYPE or cell.hyperlink is not None
            or (kind == "d" and (worksheet.parent.iso_dates or not isinstance(value, _DATES)
                                 or getattr(value, "tzinfo", None) is not None))
            or (kind == "s" and type(value) is not str)):
        openpyxl_write_cell(xf, worksheet, cell, styled)
        return
    style = f' s="{cell.style_id}"' if styled else ""
    head = f'<c r="{cell.coordinate}"{style} t="{_TYPE[kind]}"'
    if value is None or value == "":
        write(head + " />")
    elif kind == "s":
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and stripped != value else ""
        write(f"{head}><is><t{space}>{_escape_cdata(value)}</t></is></c>")
    else:
        text = safe_string(to_excel(value, worksheet.parent.epoch) if kind == "d" else value)
        if not text:  # NaN or infinity: openpyxl writes an empty <v />
            openpyxl_write_cell(xf, worksheet, cell, styled)
            return
        write(f"{head}><v>{_escape_cdata(text)}</v></c>")


def _escape_cdata(text: str) -> str:
    """As ElementTree escapes an element's text (et_xmlfile uses its function)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


@contextmanager
def fast_cells() -> Iterator[None]:
    """While open, workbooks are saved with ``_write_cell`` (one save at a time: the run
    is single-threaded)."""
    before = sheet_writer.write_cell
    sheet_writer.write_cell = _write_cell
    try:
        yield
    finally:
        sheet_writer.write_cell = before
