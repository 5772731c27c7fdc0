#!/usr/bin/env python3
"""Set up and run destsync with nothing but Python 3.11+.

    python3 dev.py sync     # create .venv, install, run a sync on the bundled sample school
    python3 dev.py test     # create .venv, install, run the whole test suite
    python3 dev.py check    # tests + ruff + mypy + layer contracts: every check CI runs
    python3 dev.py lint     # ruff + mypy + import-linter's layer contracts
    python3 dev.py bench    # benchmarks: planner, workbook, mail, Google API calls

The virtual environment is built from requirements.lock (pinned), so every machine runs
the same versions. Any extra arguments after `sync` or `test` are passed through.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".destsync-installed"


def run(*cmd: str | Path) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)  # noqa: S603 - our own tools


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"destsync needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    lock = (ROOT / "requirements.lock").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("installing pinned dependencies (first run only) ...", flush=True)
    quiet = ["-q", "--disable-pip-version-check"]
    if run(PY, "-m", "pip", "install", *quiet, "-r", "requirements.lock") != 0:
        sys.exit("error: could not install dependencies; check the network and try again")
    if run(PY, "-m", "pip", "install", *quiet, "--no-deps", "-e", ".") != 0:
        sys.exit("error: could not install destsync itself")
    STAMP.write_text(digest)


def main(argv: list[str]) -> int:
    cmd, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if cmd in ("help", "-h", "--help"):
        print(__doc__)
        return 0
    ensure_env()
    if cmd == "sync":
        config = ROOT / "config" / "example.toml"
        return run(BIN / "destsync", "sync", "--config", config, *rest)
    if cmd == "test":
        return run(PY, "-m", "pytest", *rest)
    if cmd == "lint":
        # ruff, mypy --strict, then the layer contracts in pyproject.toml ([tool.importlinter]).
        return (run(PY, "-m", "ruff", "check", ".") or run(PY, "-m", "mypy")
                or run(BIN / "lint-imports", "--no-cache"))
    if cmd == "check":
        return main(["lint"]) or main(["test", *rest])
    if cmd == "bench":
        # Each prints its own table; none asserts a time.
        scripts = ("benchmarks/planner.py", "benchmarks/run.py", "benchmarks/mailers.py",
                   "benchmarks/google_sync.py", "benchmarks/trust.py")
        return max(run(PY, script, *rest) for script in scripts)
    print(f"unknown command {cmd!r}\n{__doc__}")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
