"""Run the Workspace emulator standalone so a person can watch a sync against it.

    python -m tests.emulator --port 8765 [--seed DIR] [--verbose]

It prints `WORKSPACE_EMULATOR_HOST=127.0.0.1:8765`; point clients at
`http://$WORKSPACE_EMULATOR_HOST` (see tests/emulator/clients.py). Every `*.json` in
--seed DIR is loaded as a seed document (see control.State.seed). Inspect it with
`curl localhost:8765/_emulator/dump` and `curl localhost:8765/_emulator/calls`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from . import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", metavar="DIR", help="folder of *.json seed documents")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    emu = Emulator(args.port, seed_dir=args.seed, verbose=args.verbose).start()
    print(f"WORKSPACE_EMULATOR_HOST={emu.host}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
