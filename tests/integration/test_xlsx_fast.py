"""The workbook's fast paths against openpyxl itself: the cell writer must save the same
bytes, the regex reader must give the same values, whatever the cells hold."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destsync.adapters.local import xlsx_fast as fast
from destsync.adapters.local import xlsx_layout as L
from destsync.adapters.local.xlsx_write import fast_cells

pytestmark = pytest.mark.filterwarnings("ignore:Cell .* is marked as a date")

# Text as a tracker gets it: any printable text, spaces at the ends, line breaks, XML's
# special characters, and what openpyxl refuses (control characters) left out.
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f")
               | st.sampled_from(["\r", "\n", "&", "<", ">", " ", "\t", '"']),
               max_size=12)
VALUE = st.one_of(
    st.none(), TEXT, st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)),
    st.booleans(), st.sampled_from(["=SUM(1,2)", "=A1"]))
GRID = st.lists(st.lists(VALUE, max_size=6), max_size=8)


def workbook(grids: list[list[list[Any]]]) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for n, grid in enumerate(grids):
        ws = wb.create_sheet(f"T{n}")
        for r, row in enumerate(grid, start=1 + n):  # later tabs start lower: blank rows
            for c, value in enumerate(row, start=1):
                if value is None and (r + c) % 3:
                    continue  # some blanks never made a cell, some are styled
                cell = ws.cell(row=r, column=c)
                if isinstance(value, str) and not value.startswith("="):
                    L.set_value(cell, value)  # as destsync writes text: never a formula
                else:
                    cell.value = value
                if (r + c) % 4 == 0:
                    cell.number_format = "DD/MM/YYYY" if c % 2 else "0.00"
    return wb


def saved(wb: openpyxl.Workbook, fast_writer: bool) -> dict[str, bytes]:
    out = io.BytesIO()
    if fast_writer:
        with fast_cells():
            wb.save(out)
    else:
        wb.save(out)
    with zipfile.ZipFile(out) as z:
        # docProps/core.xml holds the time of the save.
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def both_readers(path: Path) -> list[tuple[list[Any], list[Any]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        out = []
        for ws in wb.worksheets:
            ws.reset_dimensions()
            for min_row in (1, 2):
                out.append((list(fast.rows(ws, min_row)),
                            list(ws.iter_rows(min_row=min_row, values_only=True))))
        return out
    finally:
        wb.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(GRID, min_size=1, max_size=3))
def test_the_fast_cell_writer_saves_the_bytes_openpyxl_saves(grids: list[Any]) -> None:
    assert saved(workbook(grids), True) == saved(workbook(grids), False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(GRID, min_size=1, max_size=3))
def test_the_fast_reader_reads_what_openpyxl_reads(tmp_path_factory: Any, grids: Any) -> None:
    path = tmp_path_factory.mktemp("wb") / "t.xlsx"
    with fast_cells():
        workbook(grids).save(path)
    for mine, theirs in both_readers(path):
        assert mine == theirs


def test_the_fast_reader_takes_the_tabs_destsync_writes(tmp_path: Path) -> None:
    """Not a silent fallback: text, numbers, dates and blanks are read by the regex."""
    path = tmp_path / "t.xlsx"
    wb = workbook([[["Ref", "a & <b>", " padded "], [date(2026, 9, 1), 12, 1.5, None]]])
    wb.save(path)
    ro = openpyxl.load_workbook(path, read_only=True)
    ro["T0"].reset_dimensions()
    assert list(fast._rows(ro["T0"], 1)) == list(ro["T0"].iter_rows(values_only=True))
    ro.close()


# Cells as Excel and LibreOffice save them: shared strings (rich text, phonetic runs),
# formulas, errors, booleans, ISO dates, rows and cells without their place.
SHEET_DATA = [
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" s="1"><v>46000</v></c><c r="D1" t="b"><v>1</v></c></row>',
    '<row r="3" spans="1:4"><c r="A3" t="str"><f>A1&amp;"x"</f><v>ax</v></c>'
    '<c r="B3" t="e"><v>#N/A</v></c><c r="C3" t="d"><v>2026-09-01T00:00:00</v></c></row>',
    '<row><c t="inlineStr"><is><r><rPr><b/></rPr><t>bo</t></r><r><t>ld</t></r></is></c>'
    '<c r="C4"><v>1E3</v></c><c r="D4" t="s"><v>2</v></c></row>',
    '<row r="5"><c r="B5" t="s"/><c r="C5" t="inlineStr"/><c r="D5" s="1"/></row><row r="6"/>',
    '<row r="7"><c r="A7" t="inlineStr"><is><t>a&#13;b&#x41;&quot;</t></is></c></row>',
]
SHARED = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<si><t>plain</t></si><si><r><t>ri</t></r><r><rPr><color rgb="FF0000"/></rPr>'
          '<t xml:space="preserve">ch </t></r></si><si><t>漢</t><rPh sb="0" eb="1"><t>カン</t>'
          '</rPh></si></sst>')


@pytest.mark.parametrize("data", [*SHEET_DATA, "".join(SHEET_DATA)])
def test_cells_as_spreadsheet_programs_save_them_read_as_openpyxl_reads(
        tmp_path: Path, data: str) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "T"
    wb.active["C1"].number_format = "DD/MM/YYYY"  # style 1: a date format
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            body = src.read(name).decode()
            if name == "xl/worksheets/sheet1.xml":
                body = re.sub(r"<sheetData>.*</sheetData>|<sheetData ?/>",
                              f"<sheetData>{data}</sheetData>", body, flags=re.DOTALL)
            elif name == "[Content_Types].xml":
                body = body.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" '
                                    'ContentType="application/vnd.openxmlformats-officedocument.'
                                    'spreadsheetml.sharedStrings+xml"/></Types>')
            elif name == "xl/_rels/workbook.xml.rels":
                body = body.replace("</Relationships>", '<Relationship Id="rIdS" Type="http://'
                                    'schemas.openxmlformats.org/officeDocument/2006/'
                                    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    "</Relationships>")
            dst.writestr(name, body)
        dst.writestr("xl/sharedStrings.xml", SHARED)
    for mine, theirs in both_readers(path):
        assert mine == theirs
