"""Logging for a person at a terminal, and for Cloud Logging on Cloud Run.

On Cloud Run (``CLOUD_RUN_JOB`` is set) or with ``--log-format json``, every record is one
JSON line on stdout with the fields Cloud Logging reads from a container's output:
``severity``, ``message`` and ``logging.googleapis.com/labels`` (Google Cloud's
"Structured logging" guide, special JSON fields). The labels name the run, the academy and
the Cloud Run task, so a technician can filter one academy's lines. Records carry refs,
academy codes and counts only: the service never logs a name, email or phone number.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

LABELS = "logging.googleapis.com/labels"
# Attributes a record may carry (via ``extra=``) that become labels.
LABEL_FIELDS = ("run_id", "academy")


def task_label(env: dict[str, str] | None = None) -> str:
    """``<execution>/<task index>`` on Cloud Run, else "local"."""
    e = os.environ if env is None else env
    execution = e.get("CLOUD_RUN_EXECUTION", "")
    index = e.get("CLOUD_RUN_TASK_INDEX", "")
    return f"{execution}/{index}" if execution else "local"


def wants_json(flag: str | None, env: dict[str, str] | None = None) -> bool:
    e = os.environ if env is None else env
    return flag == "json" or (flag is None and bool(e.get("CLOUD_RUN_JOB")))


class _CloudFormatter(JsonFormatter):
    def add_fields(self, log_record: dict[str, Any], record: logging.LogRecord,
                   message_dict: dict[str, Any]) -> None:
        super().add_fields(log_record, record, message_dict)
        labels = {"task": task_label()}
        for name in LABEL_FIELDS:
            value = log_record.pop(name, None)
            if value:
                labels[name] = str(value)
        log_record["severity"] = record.levelname
        log_record[LABELS] = labels
        log_record.pop("levelname", None)


_HANDLER: logging.Handler | None = None


def configure(json_lines: bool, debug: bool = False) -> None:
    """Install the one handler on the ``destsync`` logger (idempotent, for tests)."""
    global _HANDLER
    root = logging.getLogger("destsync")
    if _HANDLER is not None:
        root.removeHandler(_HANDLER)
    if json_lines:
        handler: logging.Handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_CloudFormatter("%(levelname)s %(message)s"))
        root.setLevel(logging.DEBUG if debug else logging.INFO)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        # At a terminal the command prints its own summary and its one-line errors; retry
        # warnings in between would break the "one line and a hint" rule (see --debug).
        root.setLevel(logging.DEBUG if debug else logging.ERROR)
    root.addHandler(handler)
    root.propagate = False
    _HANDLER = handler


def json_active() -> bool:
    return isinstance(getattr(_HANDLER, "formatter", None), _CloudFormatter)
