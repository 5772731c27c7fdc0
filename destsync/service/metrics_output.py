"""The trust's shared Metrics tab: after every academy of the run is written, each one's
rows replace its own rows there (another academy's rows, written by another run or
task, stay as they are). One read and, only when a figure changed, one write per run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from destsync.domain.metrics import METRICS_HEADERS, normalised, replace_own, tab_update
from destsync.service.ports import MetricsSink


def publish_metrics(sink: MetricsSink, own: Mapping[str, Sequence[Sequence[str]]]) -> bool:
    """Write the shared tab with ``own`` (academy code -> its rows) in place of those
    academies' rows; True if anything was written."""
    current = sink.read()
    body = normalised(current or [])
    if body and body[0] == list(METRICS_HEADERS):
        body = body[1:]
    for code, rows in own.items():
        body = replace_own(body, code, rows)
    update = tab_update(current, body)
    if update is None:
        return False
    sink.write(update)
    return True
