"""Pacing every Google API call to the per-user per-minute quotas, before Google refuses.

Google counts requests per user per minute and answers 429 past the quota; a trust's run
of 40 academies used to meet 29 of them. Here each request first takes a place in its
quota's window ("sheets_read", "gmail_write", ...): when the last minute already holds the
quota's number of requests, it waits until the oldest leaves the window. A sliding window
rather than a token bucket, because a bucket full at the start of a minute lets through
twice the quota in the 60 seconds that follow, and Google's window slides.

One ``Pacer`` per run and per credentials, shared by all the academies of the run (they
act as the same user). Its clock and sleep are injectable: tests and benchmarks pass a
clock that moves when they sleep, so no one waits a real minute.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

WINDOW = 60.0
# Seconds added to each wait. The server stamps a request when it arrives, a little after
# it left here; so a request's place is held until a minute after its answer came back
# (``done``), later than the server's stamp however slow the way there was (a 2-core
# machine under load once put one request too many in Google's minute).
MARGIN = 0.5

# Sheets methods that spend the "Read requests" quota; every other Sheets method is a
# write (https://developers.google.com/workspace/sheets/api/limits). Short names as in
# ``calls.short_name``.
_SHEETS_READS = frozenset({
    "sheets.get", "sheets.getByDataFilter", "sheets.values.get", "sheets.values.batchGet",
    "sheets.values.batchGetByDataFilter", "sheets.developerMetadata.get",
    "sheets.developerMetadata.search",
})


def bucket(label: str, http_method: str) -> str:
    """The quota a call spends: ``{api}_read`` or ``{api}_write``."""
    api = label.split(".", 1)[0]
    read = label in _SHEETS_READS if api == "sheets" else http_method.upper() == "GET"
    return f"{api}_{'read' if read else 'write'}"


class Pacer:
    def __init__(self, per_minute: Mapping[str, int],
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_minute = dict(per_minute)
        self.clock, self.sleep = clock, sleep
        self._sent: dict[str, deque[list[float]]] = {}
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for the benchmark's figures

    def take(self, name: str) -> list[float]:
        """Wait, if need be, until a request of quota ``name`` may go; count it. The
        stamp returned goes to ``done`` when the request is answered."""
        limit = self.per_minute.get(name)
        if not limit:
            return [0.0]
        with self._lock:
            sent = self._sent.setdefault(name, deque())
            while True:
                now = self.clock()
                while sent and sent[0][0] <= now - WINDOW - MARGIN:
                    sent.popleft()
                if len(sent) < limit:
                    stamp = [now]
                    sent.append(stamp)
                    return stamp
                # At least a millisecond: a wait that rounds to nothing would spin.
                wait = max(sent[0][0] + WINDOW + MARGIN - now, 0.001)
                self.waited += wait
                self.sleep(wait)

    def done(self, stamp: list[float]) -> None:
        """The request of ``stamp`` was answered (or failed): its minute starts now."""
        with self._lock:
            stamp[0] = max(stamp[0], self.clock())


_shared: dict[tuple[tuple[str, int], ...], Pacer] = {}
_clock: tuple[Callable[[], float], Callable[[float], None]] = (time.monotonic, time.sleep)


def shared(quota: tuple[tuple[str, int], ...]) -> Pacer:
    """The run's one pacer for these quotas (every academy's ports get the same one)."""
    if quota not in _shared:
        _shared[quota] = Pacer(dict(quota), *_clock)
    return _shared[quota]


def use_clock(clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
    """For tests and benchmarks: pacers made from now on use this clock; made ones go."""
    global _clock
    _clock = (clock, sleep)
    _shared.clear()
