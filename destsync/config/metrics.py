"""The ``[metrics]`` table: where the trust's Metrics tab goes.

Unset, each academy's tracker holds its own Metrics tab. With ``spreadsheet_id`` (a
Google Sheet) or ``path`` (an .xlsx workbook) every academy's run fills one shared tab
in that file, the trust's *CEIAG Metrics & Destinations* sheet, each replacing only its
own rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from destsync.config.reader import TableReader


@dataclass(frozen=True)
class MetricsSettings:
    tab: str = "Metrics"
    spreadsheet_id: str = ""
    path: Path | None = None

    @property
    def shared(self) -> bool:
        return bool(self.spreadsheet_id) or self.path is not None


def parse_metrics(root: TableReader, file: Path) -> MetricsSettings:
    t = root.table("metrics")
    tab = t.text("tab", "Metrics").strip() or "Metrics"
    sheet = t.opt_text("spreadsheet_id").strip()
    path = None
    if t.has("path"):
        path = (file.parent / str(t.text("path"))).resolve()
        if sheet:
            raise t.error("path", "is set as well as metrics.spreadsheet_id",
                          "keep one: a Google Sheet (spreadsheet_id) or a workbook (path)")
        if path.suffix.lower() != ".xlsx" or path.is_dir():
            raise t.error("path", f"is {path}, not an .xlsx workbook",
                          'name a workbook, e.g. "../output/trust-metrics.xlsx"')
        if not path.parent.exists():
            raise t.error("path", f"points into {path.parent}, which does not exist",
                          "fix the path")
    if len(tab) > 100 or any(ch in tab for ch in "[]*?/\\:"):
        raise t.error("tab", f"is {tab!r}, which cannot name a tab", 'write "Metrics"')
    t.done()
    return MetricsSettings(tab, sheet, path)
