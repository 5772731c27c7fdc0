"""Exactly once on Gmail, by drafts: no layer resends a send, and a run stopped at any
Gmail call, then rerun, delivers each due message once.

Deliveries are counted in the emulator's sent store by destsync's own ``X-Destsync-Key``
header, never by Message-ID: the emulator, like Gmail, replaces it, and its search lags.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from destsync.adapters.google import transport
from destsync.adapters.google.gmail import GmailMailer, build_service
from destsync.adapters.google.retry import AmbiguousWrite, RetryPolicy
from destsync.domain.plan import OutgoingMessage
from destsync.errors import MailError
from tests.emulator import Emulator
from tests.fakes import MemoryTracker
from tests.mailkit import Killed, MemoryMailer, run, school_config, school_snapshot

SENDER = "careers@oakfield.example.org"
DAY = datetime(2027, 5, 3, 6, 0, tzinfo=UTC)  # survey attempt 1, Form B and a digest
GMAIL = ["gmail.users.drafts.create", "gmail.users.drafts.send", "gmail.users.drafts.get",
         "gmail.users.drafts.delete"]


def fast() -> RetryPolicy:
    return RetryPolicy(total_seconds=2, first_delay=0.001, max_delay=0.005, max_attempts=6)


def outgoing(key: str = "form_b/2026/OAK-1/1") -> OutgoingMessage:
    return OutgoingMessage(key, "OAK-1", "form_b", "parent@example.org", "Letter", "Hello\n",
                           "<p>Hello</p>")


# -- no layer resends: a real server that drops the connection after reading a send -----


class _Dropper(BaseHTTPRequestHandler):
    seen: Counter[str]
    sent_drafts: set[str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        self.seen[self.path.split("?")[0]] += 1
        # Read it whole (as a server that applied it would), then close with no answer.
        self.close_connection = True
        self.connection.shutdown(2)

    def do_GET(self) -> None:
        self.seen[self.path.split("?")[0]] += 1
        body = b'{"error": {"code": 404, "message": "Requested entity was not found."}}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def dropper(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    seen: Counter[str] = Counter()
    handler = type("Handler", (_Dropper,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("WORKSPACE_EMULATOR_HOST", f"127.0.0.1:{server.server_address[1]}")
    yield seen
    server.shutdown()
    server.server_close()


def test_a_send_whose_connection_drops_reaches_the_server_once(dropper: Counter[str]) -> None:
    service = build_service(None, fast())
    with pytest.raises(AmbiguousWrite):
        service.users().messages().send(userId="me", body={"raw": "eA"}).execute()
    assert dropper["/gmail/v1/users/me/messages/send"] == 1


def test_a_dropped_drafts_send_is_settled_by_drafts_get_never_by_a_second_send(
    dropper: Counter[str],
) -> None:
    mailer = GmailMailer(build_service(None, fast()), SENDER)
    # The draft is gone (404): it was sent, so it is recorded sent, not sent again.
    assert mailer.send_prepared("draft:r1") == "draft:r1"
    assert dropper["/gmail/v1/users/me/drafts/send"] == 1
    assert dropper["/gmail/v1/users/me/drafts/r1"] == 1


def test_plain_httplib2_would_have_sent_it_twice(dropper: Counter[str]) -> None:
    """The control: the Http googleapiclient builds by default resends by itself."""
    import http.client
    import os

    import httplib2

    url = f"http://{os.environ['WORKSPACE_EMULATOR_HOST']}/gmail/v1/users/me/messages/send"
    # Whatever it raises, it has sent the request twice by then.
    with pytest.raises((OSError, httplib2.HttpLib2Error, http.client.HTTPException)):
        httplib2.Http(timeout=5).request(url, "POST", body=b"{}",
                                         headers={"Content-Type": "application/json"})
    assert dropper["/gmail/v1/users/me/messages/send"] == 2


# -- the crash sweep --------------------------------------------------------------------


@cache
def _config_dir() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="destsync-gmail-sweep-"))


@cache
def due_keys() -> frozenset[str]:
    snap, roster = school_snapshot(2)
    mailer = MemoryMailer()
    run(school_config(_config_dir()), MemoryTracker(snap), roster, mailer, DAY)
    return frozenset(m.key for m in mailer.delivered)


GMAIL_CALLS_IN_A_CLEAN_RUN = 2 * 10  # drafts.create and drafts.send per message


class CallKiller:
    """Kills the process at the k-th Gmail HTTP call of a run: before the request leaves
    ("before": never applied) or after its answer came back but before destsync saw it
    ("answer": applied, the answer lost with the process)."""

    def __init__(self, k: int, mode: str) -> None:
        self.k, self.mode, self.n = k, mode, 0

    def factory(self, real: Callable[[float], Any]) -> Callable[[float], Any]:
        def make(timeout: float = transport.DEFAULT_TIMEOUT) -> Any:
            http = real(timeout)
            inner = http.request

            def request(uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
                if "/gmail/" not in uri:
                    return inner(uri, method, *args, **kwargs)
                self.n += 1
                if self.n == self.k and self.mode == "before":
                    raise Killed(f"before Gmail call {self.k}")
                out = inner(uri, method, *args, **kwargs)
                if self.n == self.k:
                    raise Killed(f"after Gmail call {self.k}, its answer lost")
                return out

            http.request = request
            return http

        return make




def deliveries(emu: Emulator) -> Counter[str]:
    return Counter(m.header("X-Destsync-Key") for m in emu.state.gmail.messages
                   if "SENT" in m.labels)


def sweep_case(emu: Emulator, arm: Callable[[], None]) -> tuple[Counter[str], MemoryTracker]:
    cfg = school_config(_config_dir())
    snap, roster = school_snapshot(2)
    store = MemoryTracker(snap)
    arm()
    try:
        run(cfg, store, roster, GmailMailer(build_service(None, fast()), SENDER), DAY)
    except MailError:
        pass  # a live client told that a send is unconfirmed stops; the rerun settles it
    emu.clear_faults()
    for _ in range(2):  # the rerun, and one more that must find nothing to do
        assert run(cfg, store, roster, GmailMailer(build_service(None, fast()), SENDER),
                   DAY) is not None
    return deliveries(emu), store


def test_a_clean_run_makes_the_gmail_calls_the_sweep_covers(gmail_emu: Emulator) -> None:
    got, _ = sweep_case(gmail_emu, lambda: None)
    assert set(got) == due_keys() and max(got.values()) == 1
    calls = gmail_emu.calls()
    assert calls.get("gmail.users.drafts.create") == len(due_keys()) == 10
    assert calls.get("gmail.users.drafts.send") == 10
    assert sum(calls.get(m, 0) for m in GMAIL) == GMAIL_CALLS_IN_A_CLEAN_RUN
    assert gmail_emu.state.gmail.drafts == {}


@pytest.mark.slow  # 80 cases, three runs each: about a minute
@pytest.mark.parametrize("k", range(1, GMAIL_CALLS_IN_A_CLEAN_RUN + 1))
@pytest.mark.parametrize("mode", ["before", "answer", "drop", "error"])
def test_a_run_stopped_at_gmail_call_k_delivers_each_message_exactly_once(
    gmail_emu: Emulator, monkeypatch: pytest.MonkeyPatch, k: int, mode: str,
) -> None:
    """before: the call never applied (process killed); answer: applied, the answer lost
    with the killed process; drop / error: applied, then the connection dropped / a 500,
    while the client lives on."""

    def arm() -> None:
        if mode in ("before", "answer"):
            killer = CallKiller(k, mode)
            monkeypatch.setattr(transport, "one_shot_http",
                                killer.factory(transport.one_shot_http))
        else:
            gmail_emu.lose_answers(1, mode, GMAIL, skip=k - 1)

    got, store = sweep_case(gmail_emu, arm)
    duplicates = {key: n for key, n in got.items() if n > 1}
    assert duplicates == {}
    assert set(got) == due_keys()  # none lost
    assert {e.state for e in store.snap.ledger.values()} == {"sent"}
