"""The policy under the SDKs, so no caller writes a retry loop of its own.

``RetryingSession`` (a requests session, for gspread) and ``RetryingHttp`` (an httplib2
look-alike, for google-api-python-client) each apply ``retry.run`` to every request,
count it (``calls``) and send it to the emulator when one is set (``emulator``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from destsync.adapters.google.calls import count, method_name
from destsync.adapters.google.emulator import to_endpoint
from destsync.adapters.google.pacing import bucket
from destsync.adapters.google.retry import (
    NON_IDEMPOTENT,
    Outcome,
    RetryPolicy,
    daily_limit,
    parse_retry_after,
    run,
)

DEFAULT_TIMEOUT = 60.0  # seconds per attempt; gspread passes None, which waits forever


def one_shot_http(timeout: float = DEFAULT_TIMEOUT) -> Any:
    """An httplib2.Http that sends each request at most once.

    httplib2's ``_conn_request`` resends a request by itself: up to ``RETRIES`` (2) times on
    some socket errors, and once more "regardless" when the first answer is a
    BadStatusLine, which is what a connection closed after the server read the request
    looks like (RemoteDisconnected). For a send that already happened, that is a second
    email. Only ``retry.run`` above may decide to resend, and it never resends a
    non-idempotent call after an ambiguous failure.
    """
    import http.client
    import socket

    import httplib2  # type: ignore[import-untyped]

    class OneShotHttp(httplib2.Http):  # type: ignore[misc]
        def _conn_request(self, conn: Any, request_uri: str, method: str, body: Any,
                          headers: Any) -> tuple[Any, bytes]:
            try:
                if conn.sock is None:
                    conn.connect()
                conn.request(method, request_uri, body, headers)
                response = conn.getresponse()
            except socket.gaierror:
                conn.close()
                raise httplib2.ServerNotFoundError(
                    f"Unable to find the server at {conn.host}") from None
            except (OSError, http.client.HTTPException):
                conn.close()
                raise
            content = b""
            if method == "HEAD":
                conn.close()
            else:
                content = response.read()
            response = httplib2.Response(response)
            if method != "HEAD":
                content = httplib2._decompressContent(response, content, self.limit_kwargs)
            return response, content

    return OneShotHttp(timeout=timeout)


def _make_session_class() -> type[Any]:
    # Imported here, not at module import: nothing builds a transport before it is needed.
    import requests
    from google.auth.transport.requests import AuthorizedSession

    class RetryingSession(AuthorizedSession):
        """A requests session for gspread: credentials, the retry policy, call counting,
        and the emulator endpoint, in one place."""

        def __init__(
            self,
            credentials: Any,
            policy: RetryPolicy,
            counter: Counter[str] | None = None,
            endpoint: str | None = None,
        ) -> None:
            super().__init__(credentials)  # type: ignore[no-untyped-call]
            self.policy, self.counter, self.endpoint = policy, counter, endpoint

        def request(  # type: ignore[override]
            self, method: str, url: str, *args: Any, **kwargs: Any
        ) -> requests.Response:
            url = to_endpoint(url, self.endpoint)
            label = method_name(method, url)
            count(self.counter, label)
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = DEFAULT_TIMEOUT
            parent_request: Callable[..., requests.Response] = super().request

            def attempt() -> requests.Response:
                return parent_request(method, url, *args, **kwargs)

            def outcome(r: requests.Response) -> Outcome:
                return Outcome(r.status_code, parse_retry_after(r.headers.get("Retry-After")))

            return run(
                self.policy,
                label,
                attempt,
                outcome,
                transient=(requests.ConnectionError, requests.Timeout),
                idempotent=label not in NON_IDEMPOTENT,
                emulator=self.endpoint,
                quota=bucket(label, method),
            )

    return RetryingSession


def retrying_session(
    credentials: Any,
    policy: RetryPolicy,
    counter: Counter[str] | None = None,
    endpoint: str | None = None,
) -> Any:
    """A requests.Session (google-auth's AuthorizedSession) under the policy."""
    return _make_session_class()(credentials, policy, counter, endpoint)


class RetryingHttp:
    """An httplib2.Http look-alike for google-api-python-client: pass it as ``http=`` to
    ``build``. It wraps an authorised http (google_auth_httplib2.AuthorizedHttp) and
    applies the policy and the call counting to every request. ``endpoint`` is the
    emulator's, when requests go there (the SDK itself rewrites the URLs)."""

    def __init__(
        self,
        http: Any,
        policy: RetryPolicy,
        counter: Counter[str] | None = None,
        endpoint: str | None = None,
    ):
        self.http = http
        self.policy = policy
        self.counter = counter
        self.endpoint = endpoint

    @property
    def credentials(self) -> Any:
        return getattr(self.http, "credentials", None)

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[Any, bytes]:
        import httplib2

        label = method_name(method, uri)
        count(self.counter, label)

        def attempt() -> tuple[Any, bytes]:
            return self.http.request(  # type: ignore[no-any-return]
                uri, method, body=body, headers=headers, redirections=redirections,
                connection_type=connection_type,
            )

        def outcome(r: tuple[Any, bytes]) -> Outcome:
            status = int(r[0].status)
            # A spent daily limit is not waited out: the caller defers the rest instead.
            final = label.startswith("gmail.") and bool(daily_limit(status, r[1]))
            return Outcome(status, parse_retry_after(r[0].get("retry-after")), final=final)

        return run(
            self.policy,
            label,
            attempt,
            outcome,
            transient=(OSError, httplib2.HttpLib2Error),
            idempotent=label not in NON_IDEMPOTENT,
            emulator=self.endpoint,
            quota=bucket(label, method),
        )

    def close(self) -> None:
        close = getattr(self.http, "close", None)
        if close is not None:
            close()
