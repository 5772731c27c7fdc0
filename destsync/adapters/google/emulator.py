"""Routing to a local emulator of the Workspace APIs (``WORKSPACE_EMULATOR_HOST``).

Following Google Cloud's emulator convention: with the variable set, every googleapis.com
URL goes to ``http://host:port`` instead, path unchanged, and a refused connection is a
one-line configuration error rather than minutes of retries.
"""

from __future__ import annotations

import re

from destsync.errors import ConfigError

_GOOGLE_HOST = re.compile(r"^https://[a-z0-9.-]+\.googleapis\.com")


def to_endpoint(url: str, endpoint: str | None) -> str:
    """Send a googleapis.com URL to ``endpoint`` (the emulator) instead, path unchanged."""
    return _GOOGLE_HOST.sub(endpoint.rstrip("/"), url) if endpoint else url


class EmulatorUnreachable(ConfigError):
    """WORKSPACE_EMULATOR_HOST is set but nothing accepts connections there."""

    def __init__(self, endpoint: str) -> None:
        where = endpoint.split("://", 1)[-1].rstrip("/")
        super().__init__(
            f"WORKSPACE_EMULATOR_HOST is set, but nothing is listening at {where}",
            "start the emulator there, fix the variable's host:port, or unset "
            "WORKSPACE_EMULATOR_HOST to use Google",
        )
        self.endpoint = endpoint


# A local emulator that refuses connections is not busy, it is not running: waiting out
# the whole Google budget (minutes) only hides that. A few seconds still covers one that
# is starting up beside destsync (docker compose, a test fixture).
EMULATOR_REFUSED_SECONDS = 3.0


def refused(exc: BaseException) -> bool:
    """True if the connection was refused, however deep the SDK wrapped the error
    (requests -> urllib3 MaxRetryError -> NewConnectionError -> ConnectionRefusedError)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ConnectionRefusedError):
            return True
        linked = [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
        todo.extend(x for x in linked if isinstance(x, BaseException))
    return False
