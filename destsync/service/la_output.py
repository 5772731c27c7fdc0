"""The local-authority export as CSV text: personal data, so the command writes it
readable by its owner only. Text that a spreadsheet would run as a formula is made inert."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from destsync.service.report_output import csv_safe


def la_csv(table: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    for row in table:
        w.writerow([csv_safe(v) for v in row])
    return out.getvalue()
