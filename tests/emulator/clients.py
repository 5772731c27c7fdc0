"""Point the real Google client libraries at an emulator.

googleapiclient: `client_options={"api_endpoint": url}` replaces rootUrl+servicePath. The
bundled documents have an empty servicePath and method paths that start with the API's
own prefix (`v4/spreadsheets/...`, `v1/forms/...`, `gmail/v1/users/...`), so the bare
emulator URL (no path) is the right endpoint for all three APIs.

gspread: its URLs are module constants (`gspread.urls.SPREADSHEETS_API_V4_BASE_URL`)
imported by value into `gspread.http_client`, so patching the constant does not work.
The supported seam is `gspread.Client(auth, session=...)`: every call goes through
`session.request(method, url, ...)`, so a `requests.Session` that rewrites the Google
host reaches the emulator with no monkeypatching, and works with `BackOffHTTPClient` too.
"""

from __future__ import annotations

from typing import Any

import gspread
import requests
from google.auth.credentials import AnonymousCredentials
from googleapiclient.discovery import build

GOOGLE_HOSTS = (
    "https://sheets.googleapis.com",
    "https://forms.googleapis.com",
    "https://gmail.googleapis.com",
)


class EmulatorSession(requests.Session):
    """A requests.Session that sends Google API URLs to the emulator instead."""

    def __init__(self, emu_url: str) -> None:
        super().__init__()
        self.emu_url = emu_url.rstrip("/")

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:  # type: ignore[override]
        text = url.decode() if isinstance(url, bytes) else url
        for host in GOOGLE_HOSTS:
            if text.startswith(host):
                text = self.emu_url + text[len(host) :]
                break
        return super().request(method, text, *args, **kwargs)


def gspread_client(
    emu_url: str, http_client: gspread.http_client.HTTPClientType = gspread.HTTPClient
) -> gspread.Client:
    """A gspread Client whose Sheets calls go to the emulator (Drive calls are not emulated:
    use `open_by_key`, not `open(title)` or `create`)."""
    return gspread.Client(
        auth=AnonymousCredentials(), session=EmulatorSession(emu_url), http_client=http_client
    )


def google_service(name: str, version: str, emu_url: str, **kwargs: Any) -> Any:
    """`googleapiclient.discovery.build` against the emulator, with anonymous credentials."""
    return build(
        name,
        version,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": emu_url.rstrip("/") + "/"},
        static_discovery=True,
        cache_discovery=False,
        **kwargs,
    )
