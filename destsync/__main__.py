"""``python -m destsync`` is the same as the ``destsync`` command."""

import sys

from destsync.entrypoints.cli import main

sys.exit(main())
