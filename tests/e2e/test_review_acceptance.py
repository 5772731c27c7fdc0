"""The issue's acceptance, as a careers leader would: on the demo school, resolve five
Review rows by typing into the workbook, sync, and see each resolved as typed, logged,
and nothing else changed."""

from __future__ import annotations

import openpyxl

from tests.e2e.conftest import School
from tests.e2e.emulated import xlsx_records


def _review(school: School) -> tuple[list[str], list[list[object]]]:
    ws = openpyxl.load_workbook(school.tracker)["Review"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [str(h) for h in rows[0]], rows[1:]


def test_five_rows_resolved_by_typing_into_the_sheet(school: School) -> None:
    target, linked = (f"OAK-{r['Admission number']}" for r in school.roster()[:2])
    school.add_response("2026/10/20 10:00:00 AM GMT", name="Casey Stray",
                        leaving_year="2026", destination="Apprenticeship", consent="Yes")
    school.add_response("2026/10/21 10:00:00 AM GMT", reference=linked, name="Morgan Other",
                        dob="25/12/2007", leaving_year="2026", destination="College",
                        consent="Yes")
    school.sync()
    head, rows = _review(school)
    kind = head.index("Kind")
    typed = {"No match": target, "Link used by someone else?": "ignore",
             "Possible match": "accept", "Unclear answer": "accept",
             "Not on roster": "ignore"}
    wb = openpyxl.load_workbook(school.tracker)
    ws = wb["Review"]
    chosen: dict[str, str] = {}
    for r, row in enumerate(rows, start=2):
        k = str(row[kind])
        if k in typed and k not in chosen.values():
            ws.cell(row=r, column=head.index("Resolve as") + 1).value = typed[k]
            chosen[str(row[0])] = k
    assert len(chosen) == 5, chosen
    wb.save(school.tracker)
    before = xlsx_records(school.tracker)
    school.sync("2026-11-03")
    head, rows = _review(school)
    by_key = {str(r[0]): r for r in rows}
    for key, k in chosen.items():
        row = by_key[key]
        assert row[head.index("Resolved")] == "2026-11-03", (k, row)
    log = [r for r in openpyxl.load_workbook(school.tracker)["Change log"].iter_rows(
        values_only=True) if r[3] == "Review"]
    assert len(log) == 5
    after = xlsx_records(school.tracker)
    possible = next(str(r[head.index("Field")]) for r in rows if str(r[0]) in chosen
                    and chosen[str(r[0])] == "Possible match")
    moved = {target, possible}
    assert after[target]["Actual destination"] == "Apprenticeship"
    assert {ref: row for ref, row in after.items() if ref not in moved} \
        == {ref: row for ref, row in before.items() if ref not in moved}
    assert after[linked] == before[linked]  # the forwarded link, ignored, wrote nothing
