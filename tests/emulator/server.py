"""The HTTP front end: one stdlib ThreadingHTTPServer serving Sheets, Forms and Gmail.

Request pipeline for API paths (everything not under `/_emulator/`):
route by discovery → count the call → maybe drop the socket → latency → validate query
and body → quota / injected faults → handler → scheduled staff actions → JSON reply.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .control import State, apply_faults, handle_control
from .discovery import Discovery
from .errors import ApiError, invalid

CONTROL_PREFIX = "/_emulator/"


class _Handler(BaseHTTPRequestHandler):
    body_bytes = 0
    server: _Server
    # HTTP/1.1 keep-alive lets httplib2/requests reuse sockets, as with Google.
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.body_bytes = len(raw)
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise invalid("Invalid JSON payload received. Unexpected token.") from None

    def _reply(
        self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, http_method: str) -> None:
        state = self.server.state
        split = urlsplit(self.path)
        method_id: str | None = None
        try:
            body = self._read_body()
            if split.path.startswith(CONTROL_PREFIX):
                out = handle_control(
                    state, http_method, split.path[len(CONTROL_PREFIX) :], body or {}
                )
                self._reply(200, out)
                return
            routed = self.server.discovery.route(http_method, split.path)
            method_id = routed.method.id
            with state.lock:
                state.calls[method_id] += 1
                state.call_order.append(method_id)
                limit = state.max_body_bytes
                drop = state.faults.take_drop(method_id)
                latency = state.faults.latency_ms
            if drop:
                # Close without a status line: clients see RemoteDisconnected/ConnectionError.
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            if latency:
                time.sleep(latency / 1000)
            if self.body_bytes > limit:
                # Google documents no hard limit, only a 2 MB recommendation (Sheets API
                # "Usage limits"); users report this 400 above 10 MB (10485760 bytes).
                raise ApiError(400, f"Request payload size exceeds the limit: {limit} bytes.")
            query = self.server.discovery.check_query(
                routed.method, parse_qs(split.query, keep_blank_values=True)
            )
            body = self.server.discovery.check_body(routed.method, body)
            with state.lock:
                stop = state.faults.stop()
                if stop == "outage":
                    raise ApiError(503, "The service is currently unavailable.")
                state.faults.check(method_id, http_method)
                out = state.store_for(method_id).call(method_id, routed.path_params, query, body)
                state.fire_scheduled(method_id)
                lost = state.faults.take_after_apply(method_id)
            if stop == "lost" or (lost is not None and lost.status == 0):
                # Applied, but the answer never reaches the client: the connection drops.
                self.close_connection = True
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            if lost is not None or stop == "error":
                raise ApiError(lost.status if lost else 500, "Internal error encountered.")
            self._reply(200, out)
        except ApiError as err:
            if method_id:
                with state.lock:
                    state.errors[method_id] += 1
            self._reply(err.code, err.body(), err.headers)
        except Exception as exc:  # a bug in the emulator: answer 500 and say why
            if self.server.verbose:
                raise
            self._reply(500, ApiError(500, f"Emulator bug: {exc!r}").body())


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, addr: tuple[str, int], state: State, discovery: Discovery, verbose: bool
    ) -> None:
        super().__init__(addr, _Handler)
        self.state = state
        self.discovery = discovery
        self.verbose = verbose


class Emulator:
    """A local Google Workspace API host for the real client libraries.

    >>> with Emulator() as emu:
    ...     service = google_service("sheets", "v4", emu.url)   # tests.emulator.clients
    """

    def __init__(
        self, port: int = 0, *, seed_dir: str | None = None, verbose: bool = False
    ) -> None:
        self.state = State()
        self.discovery = Discovery()
        self._port = port
        self._verbose = verbose
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if seed_dir:
            self.state.seed_dir(seed_dir)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Emulator:
        self._server = _Server(("127.0.0.1", self._port), self.state, self.discovery, self._verbose)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="workspace-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    # -- test helpers -----------------------------------------------------------------------

    def reset(self) -> None:
        self.state.reset()

    def calls(self) -> dict[str, int]:
        with self.state.lock:
            return dict(self.state.calls)

    def schedule(self, after_method: str, action: Callable[[], Any]) -> None:
        """Run `action()` once right after the next successful call of `after_method`."""
        self.state.schedule(after_method, action)

    def schedule_staff(self, after_method: str, action: dict[str, Any]) -> None:
        """Same, with staff-action JSON as accepted by POST /_emulator/staff."""
        self.state.schedule(after_method, self.state.staff_action(action))

    def fault(
        self,
        status: int,
        count: int = 1,
        methods: list[str] | None = None,
        retry_after: float | None = None,
        message: str | None = None,
        skip: int = 0,
    ) -> None:
        with self.state.lock:
            apply_faults(
                self.state.faults,
                {"status": status, "count": count, "methods": methods, "retry_after": retry_after,
                 "message": message, "skip": skip},
            )

    def lose_answers(self, count: int, mode: str, methods: list[str] | None = None,
                     skip: int = 0) -> None:
        """Apply the next ``count`` calls (after ``skip`` more), then lose the answer:
        ``mode`` "error" answers 500, "drop" closes the connection without a status line."""
        with self.state.lock:
            apply_faults(self.state.faults, {"after_apply": mode, "count": count,
                                             "methods": methods, "skip": skip})

    def gmail_config(self, search_lag_seconds: float | None = None,
                     replace_message_id: bool | None = None) -> None:
        body: dict[str, Any] = {}
        if search_lag_seconds is not None:
            body["search_lag_seconds"] = search_lag_seconds
        if replace_message_id is not None:
            body["replace_message_id"] = replace_message_id
        handle_control(self.state, "POST", "gmail/config", body)

    def set_latency(self, ms: int) -> None:
        with self.state.lock:
            self.state.faults.latency_ms = ms

    def drop_connections(self, count: int, methods: list[str] | None = None,
                         skip: int = 0) -> None:
        with self.state.lock:
            apply_faults(self.state.faults, {"drop_connections": count, "methods": methods,
                                             "skip": skip})

    def stop_at(self, k: int, mode: str = "dropped") -> None:
        """Stop at the k-th API call from now: "dropped" (503, not applied), "lost"
        (applied, the connection closed before the answer) or "error" (applied, answered
        500); a 503 outage follows."""
        with self.state.lock:
            apply_faults(self.state.faults, {"stop_at": k, "mode": mode})

    def set_quota(self, **per_minute: int) -> None:
        """e.g. set_quota(sheets_read=60, sheets_write=60); buckets are `{api}_{read|write}`."""
        with self.state.lock:
            apply_faults(self.state.faults, {"quota_per_minute": per_minute})

    def advance_clock(self, seconds: float) -> None:
        """Move the quota clock forward instead of sleeping a minute in tests."""
        with self.state.lock:
            self.state.faults.clock_offset += seconds

    def clear_faults(self) -> None:
        handle_control(self.state, "DELETE", "faults", {})
