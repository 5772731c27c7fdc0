"""The workbook's ledger journal: flushes during the sends are durable without rewriting
the .xlsx, and no crash point can bring back an older state of a message."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from destsync.adapters.local import ledger_journal as journal
from destsync.adapters.local.xlsx_tracker import XlsxTracker
from destsync.domain.model import COLUMN_BY_KEY, LedgerEntry
from destsync.domain.plan import Plan

HEADERS = {c.key: c.header for c in COLUMN_BY_KEY.values()}
AT = "2026-05-11T09:00:00+00:00"


def entry(key: str, state: str) -> LedgerEntry:
    return LedgerEntry(key, state, "OAK-1", "autumn_check", AT, f"<{key}@example.org>")


def with_pending(tmp_path: Path, keys: list[str]) -> tuple[XlsxTracker, Path]:
    path = tmp_path / "tracker.xlsx"
    t = XlsxTracker(path, HEADERS)
    t.read()
    plan = Plan(now=AT)
    plan.ledger = [entry(k, "pending") for k in keys]
    t.apply(plan, "run1")
    return t, path


def ledger_tab(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)["_destsync_ledger"]
    return {str(r[0]): str(r[1]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


def test_a_flush_during_the_sends_leaves_the_workbook_untouched_and_is_read_back(
    tmp_path: Path,
) -> None:
    t, path = with_pending(tmp_path, ["a", "b"])
    before = path.read_bytes()
    t.record_ledger([entry("a", "sent")], last=False)
    assert path.read_bytes() == before  # no rewrite of the workbook
    # A crash now: another process reads the workbook and the journal together.
    assert XlsxTracker(path, HEADERS).read().ledger["a"].state == "sent"
    assert XlsxTracker(path, HEADERS).read().ledger["b"].state == "pending"


def test_the_last_flush_folds_everything_into_the_workbook_and_drops_the_journal(
    tmp_path: Path,
) -> None:
    t, path = with_pending(tmp_path, ["a", "b", "c"])
    t.record_ledger([entry("a", "sent")], last=False)
    t.record_ledger([entry("b", "bounced")], last=False)
    t.record_ledger([entry("c", "sent")], last=True)
    assert ledger_tab(path) == {"a": "sent", "b": "bounced", "c": "sent"}
    assert not list(tmp_path.glob(".*.ledger"))


def test_a_line_cut_short_by_a_crash_is_ignored_and_later_flushes_still_count(
    tmp_path: Path,
) -> None:
    t, path = with_pending(tmp_path, ["a", "b", "c"])
    t.record_ledger([entry("a", "sent")], last=False)
    (j,) = tmp_path.glob(".*.ledger")
    with j.open("a", encoding="utf-8") as fh:
        fh.write('["b", "se')  # the write of b's row stopped half-way
    t.record_ledger([entry("c", "sent")], last=False)
    ledger = XlsxTracker(path, HEADERS).read().ledger
    # b stays pending: the next run asks the mailer whether it went.
    assert {k: e.state for k, e in ledger.items()} == {"a": "sent", "b": "pending", "c": "sent"}


def test_a_journal_left_behind_by_a_crash_after_the_save_is_never_replayed(
    tmp_path: Path,
) -> None:
    t, path = with_pending(tmp_path, ["a"])
    t.record_ledger([entry("a", "cancelled")], last=False)
    (old,) = tmp_path.glob(".*.ledger")
    kept = old.read_bytes()
    t.record_ledger([], last=True)  # folded into the workbook with a new generation
    old.write_bytes(kept)  # as if the crash came before the old journal was deleted
    # A later run marks the same key pending again and sends it; the stale "cancelled"
    # must not hide that pending row (the next run would not ask whether it went).
    t2 = XlsxTracker(path, HEADERS)
    t2.read()
    plan = Plan(now=AT)
    plan.ledger = [entry("a", "pending")]
    t2.apply(plan, "run2")
    assert XlsxTracker(path, HEADERS).read().ledger["a"].state == "pending"


def test_the_journal_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    t, _ = with_pending(tmp_path, ["a"])
    t.record_ledger([entry("a", "sent")], last=False)
    (j,) = tmp_path.glob(".*.ledger")
    assert j.stat().st_mode & 0o077 == 0
    assert journal.GENERATION_KEY in XlsxTracker(tmp_path / "tracker.xlsx", HEADERS).read().meta
