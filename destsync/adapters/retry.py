"""The one retry policy for every Google API destsync calls (Sheets, Forms, Gmail).

Exponential backoff with full jitter on 429, 500, 502, 503, 504 and on dropped
connections, honouring ``Retry-After``, within a bounded total time per request. When the
budget is spent the request fails with ``RetryBudgetExceeded`` (a ``RemoteError``), so a
run stops cleanly; the trackers order their writes so that stopping between any two
requests leaves the sheet consistent.

A write that is not idempotent (it appends rows or sends a message) is retried only on
429, which Google answers before doing anything. Any other failure of such a write is
*ambiguous* (it may have been applied) and raises ``AmbiguousWrite`` so that the caller,
who knows how to check, decides.

Two hooks put the policy under the SDKs, so no caller writes a loop of its own:
``RetryingSession`` (a requests session, for gspread) and ``RetryingHttp`` (an httplib2
look-alike, for google-api-python-client). Both also count calls by API and method and
send requests to the emulator when ``WORKSPACE_EMULATOR_HOST`` is set.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from destsync.errors import ConfigError, RemoteError

log = logging.getLogger("destsync.retry")

RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")


class RetryBudgetExceeded(RemoteError):
    """A request kept failing with a transient error until the retry budget ran out."""


class AmbiguousWrite(RemoteError):
    """A non-idempotent write failed in a way that does not say whether it was applied."""

    def __init__(self, label: str, detail: str) -> None:
        super().__init__(
            f"{label} failed ({detail}) and may or may not have been applied",
            "run the sync again: destsync checks what is already written",
        )
        self.label = label


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


def _refused(exc: BaseException) -> bool:
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


@dataclass
class RetryPolicy:
    """Backoff settings. ``total_seconds`` bounds the time one request may take,
    attempts and waits together; the clock, sleep and random source are injectable so
    tests run in no time."""

    total_seconds: float = 120.0
    first_delay: float = 1.0
    max_delay: float = 32.0
    max_attempts: int = 10
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    # Jitter, not secrecy: a plain PRNG is right here.
    rand: Callable[[], float] = field(default_factory=lambda: random.Random().random)  # noqa: S311

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based). Full jitter spreads
        the retries of many jobs; Retry-After, when given, is a floor."""
        ceiling = min(self.max_delay, self.first_delay * (2**attempt))
        return float(max(ceiling * self.rand(), retry_after or 0.0))


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class Outcome:
    """What one attempt returned, as far as the policy cares."""

    status: int  # HTTP status; 0 for a transport error
    retry_after: float | None = None
    detail: str = ""


def run(
    policy: RetryPolicy,
    label: str,
    attempt: Callable[[], T],
    outcome: Callable[[T], Outcome],
    transient: tuple[type[BaseException], ...] = (),
    idempotent: bool = True,
    emulator: str | None = None,
) -> T:
    """Call ``attempt`` until it returns a non-transient result, under ``policy``.

    Returns the last result (a non-retryable error response is returned, not raised, so
    the SDK above reports it in its own way). Raises RetryBudgetExceeded when the budget
    runs out and AmbiguousWrite for an ambiguous failure of a non-idempotent write.
    With ``emulator`` (its endpoint) set, a refused connection raises EmulatorUnreachable
    within EMULATOR_REFUSED_SECONDS.
    """
    start = policy.clock()
    tries = 0
    while True:
        tries += 1
        try:
            result = attempt()
        except transient as exc:
            # Checked before the ambiguity rule: a refused connection never reached the
            # server, so nothing can have been applied.
            if emulator and _refused(exc):
                wait = policy.backoff(tries - 1, None)
                spent = policy.clock() - start
                if tries >= policy.max_attempts or spent + wait > EMULATOR_REFUSED_SECONDS:
                    raise EmulatorUnreachable(emulator) from None
                # Debug only: the outcome is either success or the one EmulatorUnreachable
                # line, and warnings before it would break the two-line error rule.
                log.debug("%s: nothing listening at %s yet; retry in %.1f s",
                          label, emulator, wait)
                policy.sleep(wait)
                continue
            if not idempotent:
                raise AmbiguousWrite(label, type(exc).__name__) from None
            retry_after, detail = None, type(exc).__name__
        else:
            o = outcome(result)
            if o.status not in RETRY_STATUSES:
                return result
            if not idempotent and o.status != 429:
                raise AmbiguousWrite(label, f"HTTP {o.status}")
            retry_after, detail = o.retry_after, f"HTTP {o.status}"
        wait = policy.backoff(tries - 1, retry_after)
        spent = policy.clock() - start
        if tries >= policy.max_attempts or spent + wait > policy.total_seconds:
            raise RetryBudgetExceeded(
                f"{label} still failing ({detail}) after {tries} tries in {spent:.0f} s",
                "Google is busy or down; run the sync again later (nothing half-written "
                "is left behind)",
            )
        log.warning("%s answered %s; retry %d in %.1f s", label, detail, tries, wait)
        policy.sleep(wait)


# -- naming calls: URL -> "api.method", from the bundled discovery documents --------------

_APIS = (("sheets", "v4"), ("forms", "v1"), ("gmail", "v1"))
# Requests that add something each time they run: retried only on 429.
NON_IDEMPOTENT: frozenset[str] = frozenset({
    "sheets.batchUpdate",
    "sheets.create",
    "forms.create",
    "forms.batchUpdate",
    "gmail.messages.send",
    "gmail.drafts.send",
})


def short_name(method_id: str) -> str:
    """``sheets.spreadsheets.values.batchGet`` -> ``sheets.values.batchGet``: the API, then
    the method without the API's one top-level resource (spreadsheets, forms, users)."""
    parts = method_id.split(".")
    return ".".join([parts[0], *parts[2:]]) if len(parts) >= 3 else method_id


class MethodNames:
    """Maps (HTTP method, URL path) to a method name, using each API's discovery document
    bundled with google-api-python-client, so names match Google's and never drift."""

    def __init__(self) -> None:
        import json

        from googleapiclient.discovery_cache import get_static_doc

        self._routes: list[tuple[str, re.Pattern[str], str]] = []
        self._weights: dict[str, int] = {}

        for api, version in _APIS:
            text = get_static_doc(api, version)
            if not text:
                continue
            doc = json.loads(text)
            base = doc.get("servicePath", "")
            self._collect(doc, base)
        # The most literal template first: "values:batchGet" before "{spreadsheetId}".
        self._routes.sort(key=lambda r: -self._weights[r[2] + r[0]])

    def _collect(self, node: Mapping[str, Any], base: str) -> None:
        for m in node.get("methods", {}).values():
            path = base + m.get("flatPath", m.get("path", ""))
            literals = re.split(r"\{[^}]*\}", path)
            pattern = "[^/]+".join(re.escape(part) for part in literals)
            self._routes.append((m["httpMethod"], re.compile(f"^{pattern}$"), m["id"]))
            self._weights[m["id"] + m["httpMethod"]] = sum(len(p) for p in literals)
        for child in node.get("resources", {}).values():
            self._collect(child, base)

    def name(self, http_method: str, path: str) -> str:
        path = path.split("?", 1)[0]
        for verb, pattern, method_id in self._routes:
            if verb == http_method.upper() and pattern.match(path.lstrip("/")):
                return short_name(method_id)
        return "other." + http_method.lower()


_NAMES: MethodNames | None = None


def method_name(http_method: str, url: str) -> str:
    global _NAMES
    if _NAMES is None:
        _NAMES = MethodNames()
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    return _NAMES.name(http_method, path)


def count(counter: Counter[str] | None, label: str) -> None:
    if counter is not None:
        counter[label] += 1


# -- the hooks under the SDKs ----------------------------------------------------------

_GOOGLE_HOST = re.compile(r"^https://[a-z0-9.-]+\.googleapis\.com")
DEFAULT_TIMEOUT = 60.0  # seconds per attempt; gspread passes None, which waits forever


def to_endpoint(url: str, endpoint: str | None) -> str:
    """Send a googleapis.com URL to ``endpoint`` (the emulator) instead, path unchanged."""
    return _GOOGLE_HOST.sub(endpoint.rstrip("/"), url) if endpoint else url


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
        import httplib2  # type: ignore[import-untyped]

        label = method_name(method, uri)
        count(self.counter, label)

        def attempt() -> tuple[Any, bytes]:
            return self.http.request(  # type: ignore[no-any-return]
                uri, method, body=body, headers=headers, redirections=redirections,
                connection_type=connection_type,
            )

        def outcome(r: tuple[Any, bytes]) -> Outcome:
            return Outcome(int(r[0].status), parse_retry_after(r[0].get("retry-after")))

        return run(
            self.policy,
            label,
            attempt,
            outcome,
            transient=(OSError, httplib2.HttpLib2Error),
            idempotent=label not in NON_IDEMPOTENT,
            emulator=self.endpoint,
        )

    def close(self) -> None:
        close = getattr(self.http, "close", None)
        if close is not None:
            close()
