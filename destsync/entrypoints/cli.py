"""Command line: parse, call the service, print. Every foreseeable problem is one line
(``error: …`` then ``hint: …``) and exit code 2; an unexpected one is exit code 1."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from destsync import __version__
from destsync.domain.model import LEAVING_POINTS
from destsync.entrypoints import logs
from destsync.errors import DestsyncError

log = logging.getLogger("destsync.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="destsync",
        description="Reconcile Form A responses into the destinations tracker.",
    )
    parser.add_argument("--version", action="version", version=f"destsync {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show a traceback for unexpected errors"
    )
    parser.add_argument(
        "--log-format", choices=("text", "json"), default=None,
        help="json: one JSON line per log record on stdout, for Cloud Logging "
             "(the default on Cloud Run)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sync = sub.add_parser("sync", help="read responses, update the tracker, freeze returns")
    sync.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    sync.add_argument("--now", help="run as if today were this date (YYYY-MM-DD)")
    sync.add_argument("--dry-run", action="store_true", help="print the plan and write nothing")
    sync.add_argument("--json", action="store_true", help="print one JSON run summary")

    setup = sub.add_parser("setup", help="create or update the tracker tabs (idempotent)")
    setup.add_argument("--config", required=True, type=Path, help="path to the TOML config")

    check = sub.add_parser("check", help="validate the config and inputs; write nothing")
    check.add_argument("--config", required=True, type=Path, help="path to the TOML config")

    doctor = sub.add_parser("doctor", help="check the whole setup and list every problem")
    doctor.add_argument("--config", required=True, type=Path, help="path to the TOML config")

    preview = sub.add_parser("preview", help="render a campaign's email to the terminal and HTML")
    preview.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    preview.add_argument(
        "--campaign", required=True, help="campaign key, e.g. annual_survey or staff_digest"
    )
    preview.add_argument(
        "--ref", help="a student's Ref (or an academy code for the digest); default: sample data"
    )
    preview.add_argument("--html", type=Path, help="HTML file to write (default preview-KEY.html)")
    preview.add_argument("--now", help="render as if today were this date (YYYY-MM-DD)")

    report = sub.add_parser("report", help="write the anonymised destinations report")
    report.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    report.add_argument("--out", type=Path, default=Path("destinations-report"),
                        help="folder to write report.html, report.csv and chart.png into")
    report.add_argument("--now", help="date the report as if today were this (YYYY-MM-DD)")

    sar = sub.add_parser("subject-access",
                         help="write everything held about one student to a JSON file")
    sar.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    sar.add_argument("--ref", required=True, help="the student's Ref, e.g. OAK-1001")
    sar.add_argument("--out", required=True, type=Path, help="JSON file to write")

    erase = sub.add_parser("erase", help="remove one student from everywhere destsync keeps "
                                         "data (right to erasure)")
    erase.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    erase.add_argument("--ref", required=True, help="the student's Ref, e.g. OAK-1001")
    erase.add_argument("--dry-run", action="store_true",
                       help="list what would go, by tab and count, and write nothing")
    erase.add_argument("--now", help="date the erasure as if today were this (YYYY-MM-DD)")

    restore = sub.add_parser("restore", help="bring back a row staff deleted from the Tracker")
    restore.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    restore.add_argument("--ref", required=True, help="the Ref on the Review item")

    history = sub.add_parser("history", help="print one student's change log, oldest first")
    history.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    history.add_argument("--ref", required=True, help="the student's Ref, e.g. OAK-1001")

    la = sub.add_parser("la-export",
                        help="write the local authority's file of one cohort's leavers")
    la.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    la.add_argument("--cohort", required=True, type=int, help="leaving year, e.g. 2026")
    la.add_argument("--out", required=True, type=Path, help="CSV file to write")
    la.add_argument("--leaving-point", default="year13",
                    choices=[key for key, _ in LEAVING_POINTS],
                    help="whose file: leavers of Year 13 (the default), Year 11, or mid-year")

    su = sub.add_parser("sustained", help="each leaver's actual destinations, judged "
                        "sustained or not, with the evidence (names refs: for staff)")
    su.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    su.add_argument("--cohort", type=int, help="leaving year (default: every cohort)")
    su.add_argument("--now", help="judge as on this date, YYYY-MM-DD")
    su.add_argument("--out", required=True, type=Path, help="CSV file to write")

    li = sub.add_parser("la-import",
                        help="reconcile the local authority's extract into the trackers")
    li.add_argument("--config", required=True, type=Path, help="path to the TOML config")
    li.add_argument("--now", help="replay a date, YYYY-MM-DD (for testing)")
    li.add_argument("file", type=Path, help="the local authority's CSV file")

    demo = sub.add_parser("demo", help="generate a synthetic school and run its lifecycle")
    demo.add_argument("--out", type=Path, default=Path("demo-school"), help="folder to write")
    demo.add_argument("--seed", type=int, default=7, help="random seed for the invented data")
    demo.add_argument("--leavers", type=int, default=150, help="leavers per cohort (three cohorts)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(logs.wants_json(args.log_format), args.debug)
    try:
        return _dispatch(args)
    except DestsyncError as exc:
        if logs.json_active():
            # One record: Cloud Logging shows it as one ERROR entry, hint included.
            hint = f" (hint: {exc.hint})" if exc.hint else ""
            log.error("error: %s%s", exc.message, hint, extra={"exit_code": exc.exit_code})
            return exc.exit_code
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        # Not "left as it was": a stop during sending comes after the tracker was written.
        # Each write is all-or-nothing and unsent messages stay pending, so the honest
        # advice is to run again.
        print(
            "error: interrupted; what was written is consistent, and the next run finishes "
            "the rest (unsent emails stay pending)",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        # The reader went away (`destsync sync --dry-run | head`). That is not an
        # unexpected failure to report; stop quietly, as other command-line tools do.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for such a writer
    except Exception as exc:  # the last line of defence: one line, not a wall of text
        if args.debug:
            traceback.print_exc()
        # The message itself can quote data (a name a library choked on), and stderr
        # reaches Cloud Logging: it is shown only with --debug.
        detail = f": {exc}" if args.debug else ""
        if logs.json_active():
            log.error("error: unexpected %s%s", type(exc).__name__, detail)
            return 1
        print(f"error: unexpected {type(exc).__name__}{detail}", file=sys.stderr)
        if not args.debug:
            print("hint: run again with --debug and report the output", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    from destsync.entrypoints import commands, records

    if args.command == "sync":
        return commands.sync(args.config, args.now, args.dry_run, args.json)
    if args.command == "setup":
        return commands.setup(args.config)
    if args.command == "check":
        return commands.check(args.config)
    if args.command == "doctor":
        from destsync.entrypoints.doctor import doctor

        return doctor(args.config)
    if args.command == "preview":
        return commands.preview(args.config, args.campaign, args.ref, args.html, args.now)
    if args.command == "report":
        return commands.report(args.config, args.out, args.now)
    if args.command == "subject-access":
        return records.subject_access(args.config, args.ref, args.out)
    if args.command in ("erase", "restore"):
        from destsync.entrypoints import erase_cmd

        if args.command == "restore":
            return erase_cmd.restore(args.config, args.ref)
        return erase_cmd.erase(args.config, args.ref, args.dry_run, args.now)
    if args.command == "history":
        return records.history(args.config, args.ref)
    if args.command == "la-export":
        return records.la_export(args.config, args.cohort, args.out, args.leaving_point)
    if args.command == "sustained":
        return records.sustained_list(args.config, args.cohort, args.out, args.now)
    if args.command == "la-import":
        return records.la_import(args.config, args.file, args.now)
    if args.command == "demo":
        return commands.demo(args.out, args.seed, args.leavers)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
