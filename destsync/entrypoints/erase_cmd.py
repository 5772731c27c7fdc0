"""`destsync erase` and `destsync restore`: print what went (by tab and count, never a
value: the output may reach a log)."""

from __future__ import annotations

from pathlib import Path

from destsync.config.settings import load_config
from destsync.entrypoints import bootstrap
from destsync.entrypoints.commands import parse_now
from destsync.service.erase import erase_student, restore_row


def erase(config: Path, ref: str, dry_run: bool, now_text: str | None = None) -> int:
    cfg = load_config(config)
    ref = ref.strip()
    ports = bootstrap.build_all(cfg)
    done = erase_student(ports, ref, parse_now(now_text, cfg.timezone), dry_run,
                         bootstrap.mail_files(cfg))
    if dry_run:
        print(f"[{done.academy}] dry run: nothing written; erasing {ref} would change:")
    else:
        print(f"{ref}: erased from {done.academy} (tombstone {done.plan.tombstone}); "
              f"{done.files_changed} mail files or journal lines removed or scrubbed:")
    for line in done.plan.listing():
        print(line)
    if not dry_run and cfg.mail.backend == "gmail":
        print("  note: messages already sent stay in the Gmail Sent folder; delete them there")
    print("  note: delete the student's Form A responses and roster line at the source too; "
          "until then the tombstone keeps destsync from reading them")
    return 0


def restore(config: Path, ref: str) -> int:
    cfg = load_config(config)
    ref = ref.strip()
    code = restore_row(bootstrap.build_all(cfg), ref)
    print(f"{ref}: {code} will re-create the row from the roster and Form A at the next sync")
    return 0
