"""The send ledger's journal beside a workbook: flushes made durable without rewriting the
whole .xlsx (which took most of a 2,000-email run's time when every 50 messages saved it).

Each flush appends its ledger rows to ``.<workbook>.<generation>.ledger``, one JSON line
each, and fsyncs the file: once ``record_ledger`` returns, a message marked sent stays sent
whatever happens next. Reading the workbook folds in the journal of the generation named
in its ``_destsync_meta`` tab. The next save of the workbook (the end of the send phase,
or the next run's write) writes the rows into the ledger tab *and* a new generation, in the
same atomic rename: the old journal is then ignored, so a crash before it is deleted can
never replay an old state over a newer one. A line cut short by a crash is ignored; the
message it spoke of is still pending, and the next run asks the mailer if it went.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

from destsync.domain.model import LedgerEntry

GENERATION_KEY = "ledger_journal"  # _destsync_meta key: the journal that belongs to the file


def new_generation() -> str:
    return uuid.uuid4().hex[:16]


def journal_path(workbook: Path, generation: str) -> Path:
    return workbook.with_name(f".{workbook.name}.{generation}.ledger")


def read_journal(workbook: Path, generation: str) -> list[LedgerEntry]:
    """The entries journalled for ``generation``, oldest first ([] without a journal)."""
    if not generation:
        return []
    try:
        lines = journal_path(workbook, generation).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            key, state, ref, campaign, at, mid = json.loads(line)
        except ValueError:
            continue  # cut short by a crash: that flush never returned
        out.append(LedgerEntry(str(key), str(state), str(ref), str(campaign), str(at),
                               str(mid)))
    return out


def append(workbook: Path, generation: str, entries: Iterable[LedgerEntry]) -> None:
    """Durable on return: written, flushed and fsynced. Readable by the owner only."""
    text = "".join(json.dumps([e.key, e.state, e.ref, e.campaign, e.at, e.message_id]) + "\n"
                   for e in entries)
    fd = os.open(journal_path(workbook, generation), os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                 0o600)
    try:
        # A line a crash cut short is ignored on reading; start on a fresh line after it.
        os.write(fd, ("\n" + text).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def discard(workbook: Path, generation: str) -> None:
    """Forget a journal whose rows the workbook now holds (a stale one is harmless)."""
    if generation:
        with contextlib.suppress(FileNotFoundError):
            journal_path(workbook, generation).unlink()
