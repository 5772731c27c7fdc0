"""``la-import``: the local authority's extract, reconciled into every academy's tracker.

The file is read whole first (a file that cannot be read, or has no identifying column,
stops here with nothing written); then each academy's plan is made from its own tracker
(``domain.la_import``) and written all or nothing, under the academy's lease as a sync.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from destsync.config.settings import Config
from destsync.domain.la_import import LaFile, plan_la_import, read_table
from destsync.domain.lease import LEASE_TTL
from destsync.errors import InputError, TrackerError
from destsync.service.ports import AcademyPorts


def read_extract(path: Path, cfg: Config) -> LaFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", "pass the local authority's CSV file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text",
                         "save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8)") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({type(exc).__name__})",
                         "check the file and its permissions") from None
    try:
        table = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise InputError(f"{path} is not a readable CSV file ({exc})",
                         "export it again as CSV; nothing was written") from None
    return read_table(table, cfg.la_columns, path.name)


@dataclass
class ImportResult:
    rows: int = 0
    cells_updated: dict[str, int] = field(default_factory=dict)
    validated: dict[str, int] = field(default_factory=dict)
    review_items: dict[str, int] = field(default_factory=dict)


def run_la_import(cfg: Config, ports: list[AcademyPorts], extract: LaFile,
                  now: datetime) -> ImportResult:
    holder = f"la-import {uuid.uuid4().hex[:12]}"
    held: list[AcademyPorts] = []
    try:
        for p in ports:
            if p.lease is not None:
                other = p.lease.acquire(holder, datetime.now(UTC), LEASE_TTL)
                if other is not None:
                    raise TrackerError(
                        f"{p.academy.code}: another run is working on its tracker ({other})",
                        "run la-import again when it has finished; nothing was written")
                held.append(p)
        snaps = {p.academy.code: p.tracker.read() for p in ports}
        result = ImportResult(rows=len(extract.records))
        for i, p in enumerate(ports):
            code = p.academy.code
            others = frozenset(ref for c, s in snaps.items() if c != code for ref in s.rows)
            plan = plan_la_import(snaps[code], extract, cfg.calendar,
                                  now.isoformat(timespec="seconds"), others, i == 0)
            if not plan.is_empty():
                p.tracker.apply(plan, holder.split()[-1])
            result.cells_updated[code] = len(plan.changes)
            result.validated[code] = sum(1 for c in plan.changes if c.column == "validated")
            result.review_items[code] = len(plan.review)
        return result
    finally:
        for p in held:
            assert p.lease is not None
            p.lease.release(holder)
