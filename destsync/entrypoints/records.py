"""The commands that write a person's or the local authority's records to a file:
subject access, la-export, la-import and the sustained list. Each file holds personal
data, so each is created readable by its owner only and written whole or not at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from destsync.config.settings import load_config
from destsync.entrypoints.bootstrap import build_all
from destsync.entrypoints.commands import parse_now
from destsync.errors import InputError


def subject_access(config: Path, ref: str, out: Path) -> int:
    """Everything held about one student, as JSON readable by a person. Reads only."""
    from destsync.domain import subject_access as sar

    cfg = load_config(config)
    ref = ref.strip()
    when = parse_now(None, cfg.timezone).isoformat(timespec="seconds")
    states: list[tuple[str, dict[str, str]]] = []  # each academy's state, read once
    for p in build_all(cfg):
        snap = p.tracker.read()
        if ref not in snap.rows:
            states.append((p.academy.name, snap.meta))
            continue
        tabs = p.tracker.read_tabs(sar.VISIBLE)
        # Every response, not just those after the sync's watermark.
        everything = p.responses.read(datetime(2000, 1, 1, tzinfo=UTC))
        record = sar.collect(
            ref, p.academy.name, snap, tabs, everything, p.academy.headers, when,
        )
        _write_sar(out, record)
        print(f"{ref}: {sar.count(record)} items written to {out} and "
              f"{out.with_suffix('.html')} (readable by you only)")
        return 0
    for name, meta in states:
        erased = sar.collect_erased(ref, name, meta, when)
        if erased is not None:
            _write_sar(out, erased)
            print(f"{ref}: erased; the tombstone written to {out} (readable by you only)")
            return 0
    raise _no_such_ref(ref)


def history(config: Path, ref: str) -> int:
    """One student's story from the Change log, oldest first. Reads only; prints no
    contact details or other identifying values."""
    from destsync.domain import audit, layout

    cfg = load_config(config)
    ref = ref.strip()
    for p in build_all(cfg):
        if ref.casefold() not in {r.casefold() for r in p.tracker.read().rows}:
            continue
        rows = p.tracker.read_tabs([layout.LOG])[layout.LOG]
        lines = audit.history(ref, rows, p.academy.headers)
        print(f"{ref}: {len(lines)} entries in the change log, oldest first")
        for line in lines:
            print(f"  {line}")
        return 0
    raise _no_such_ref(ref)


def _no_such_ref(ref: str) -> InputError:
    return InputError(
        f"no row has Ref {ref!r} in any academy's tracker",
        "copy the Ref from the Tracker tab (it looks like OAK-1001)",
    )


def la_export(config: Path, cohort: int, out: Path, point: str = "year13") -> int:
    """The file for the local authority: one row per leaver of ``cohort`` (of one leaving
    point) in every academy, opted-out students with the identifying fields only."""
    from destsync.domain.la_export import la_table, opted_out
    from destsync.domain.leaving import LABELS, point_of
    from destsync.service.la_output import la_csv

    cfg = load_config(config)
    rows = [r for p in build_all(cfg) for r in p.tracker.read().rows.values()]
    table = la_table(rows, cohort, cfg.la_columns, point)
    _write_private(out, la_csv(table))
    withheld = sum(1 for r in rows if r.get("leaving_year") == str(cohort) and opted_out(r)
                   and point_of(r) == point)
    who = "" if point == "year13" else f"{LABELS[point]} "
    print(f"la-export: {len(table) - 1} {who}leavers of {cohort} written to {out} "
          f"({withheld} opted out: identifying fields only; readable by you only)")
    return 0


def _write_sar(out: Path, record: dict[str, Any]) -> None:
    """The JSON for a program, and beside it the same record as a page for a person."""
    from destsync.service.sar_html import render_sar

    if out.suffix.lower() == ".html":
        raise InputError(f"--out {out} is the name of the HTML page written beside the JSON",
                         "name the JSON file, e.g. sar.json")
    _write_private(out, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    _write_private(out.with_suffix(".html"), render_sar(record))


def sustained_list(config: Path, cohort: int | None, out: Path, now_text: str | None) -> int:
    """Each leaver's actual destinations, judged, with the evidence: for staff only."""
    from destsync.domain.sustained_status import student_rows
    from destsync.service.la_output import la_csv

    cfg = load_config(config)
    today = parse_now(now_text, cfg.timezone).date()
    table = [student_rows("", [], today)[0]]
    for p in build_all(cfg):
        table += student_rows(p.academy.code, p.tracker.read().rows.values(), today,
                              cohort)[1:]
    _write_private(out, la_csv(table))
    print(f"sustained: {len(table) - 1} actual destinations judged, written to {out} "
          "(readable by you only)")
    return 0


def la_import(config: Path, extract: Path, now_text: str | None) -> int:
    """The local authority's extract, reconciled into the trackers (see la_input)."""
    from destsync.service.la_input import read_extract, run_la_import

    cfg = load_config(config)
    table = read_extract(extract, cfg)
    r = run_la_import(cfg, build_all(cfg), table, parse_now(now_text, cfg.timezone))
    for code in r.cells_updated:
        print(f"la-import [{code}]: {r.cells_updated[code]} cells updated, "
              f"{r.validated[code]} leavers validated by the local authority, "
              f"{r.review_items[code]} new review items")
    print(f"la-import: {r.rows} rows read from {extract.name}")
    return 0


def _write_private(out: Path, text: str) -> None:
    """Personal data: created readable by the owner only, written whole or not at all."""
    import os
    import tempfile

    if out.is_dir():
        raise InputError(f"{out} is a folder", "pass --out with a file name, e.g. sar.json")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".destsync-", dir=out.parent)
    except OSError as exc:
        raise InputError(f"cannot write in {out.parent} ({exc.strerror or exc})",
                         "pass --out with a path in a folder you can write to") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp makes it 0600
            fh.write(text)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
