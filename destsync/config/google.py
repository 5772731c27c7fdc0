"""The ``[google]`` table: how destsync reaches Google (credentials, retry budget, the
lease's settle time, and the per-minute quotas the run paces itself to)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from destsync.config.reader import TableReader, config_path

# Google's per-user quotas a minute. Sheets: 60 reads and 60 writes
# (https://developers.google.com/workspace/sheets/api/limits). Forms: 390 reads, but 180
# "expensive" reads (responses.list) and 150 writes
# (https://developers.google.com/workspace/forms/api/limits). Gmail: 15,000 quota units,
# a send or draft 10 to 100 units each (https://developers.google.com/gmail/api/reference/quota):
# 120 writes at 100 and 600 reads at 5 stay within it together.
DEFAULT_QUOTA: dict[str, int] = {
    "sheets_read": 60, "sheets_write": 60, "forms_read": 180, "forms_write": 150,
    "gmail_read": 600, "gmail_write": 120,
}


@dataclass(frozen=True)
class GoogleSettings:
    """How destsync reaches Google (the ``[google]`` table; every key optional)."""

    # A service-account key file, for a local run only; unset means Application Default
    # Credentials (the Cloud Run job's own service account: no key to leak).
    credentials_file: Path | None = None
    # The bounded time one API request may take, retries and waits included.
    retry_seconds: int = 120
    # How long a run waits after writing its lease for a racing run's write to land.
    lease_settle_ms: int = 2000
    # Requests a minute per user that the run paces itself to, by "api_read|write",
    # shared by every academy of the run (``adapters/google/pacing.py``).
    quota: tuple[tuple[str, int], ...] = tuple(DEFAULT_QUOTA.items())


def parse_google(t: TableReader, file: Path) -> GoogleSettings:
    key_file = None
    if t.has("credentials_file"):
        key_file = config_path(t, "credentials_file", file, must_exist=True)
    retry_seconds = t.integer("retry_seconds", 120, 5, 3600)
    settle = t.integer("lease_settle_ms", 2000, 0, 30000)
    quota = tuple((bucket, t.integer(f"{bucket}s_per_minute", default,
                                     1, 100_000))
                  for bucket, default in DEFAULT_QUOTA.items())
    t.done()
    return GoogleSettings(key_file, retry_seconds, settle, quota)
