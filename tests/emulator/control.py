"""Emulator state, faults, quotas, scheduled staff actions and the `/_emulator/` routes.

Control routes are for tests and people, not for destsync, so they are not validated
against discovery documents and are never counted as API calls or faulted.

| route                                   | body / result                                       |
|-----------------------------------------|-----------------------------------------------------|
| POST /_emulator/reset                   | forget everything (data, calls, faults, schedules)  |
| GET  /_emulator/dump                    | {"calls", "errors", "spreadsheets", "forms", ...}   |
| GET  /_emulator/calls                   | {"sheets.spreadsheets.values.batchGet": 3, ...}     |
| POST /_emulator/seed                    | {"path": "file.json"} or the seed document itself   |
| POST /_emulator/forms/{formId}/responses| {"responses": [{"answers", "submitted"?, ...}]}     |
| POST /_emulator/faults                  | {"status", "count", "methods"?, "retry_after"?}     |
|                                         | {"stop_at": k, "mode": "dropped"|"lost"}            |
|                                         | {"latency_ms"} {"drop_connections", "methods"?}     |
|                                         | {"quota_per_minute": {"sheets_read": 60, ...}}      |
|                                         | {"after_apply": "error"|"drop", "count", "methods"?}|
|                                         | drops and after_apply take "skip": n (k-th call)    |
| DELETE /_emulator/faults                | clear faults, latency, drops and quotas             |
| POST /_emulator/staff                   | {"action": {...}} now, or {"after": id, "action"}   |
| POST /_emulator/gmail/bounce            | {"id": messageId, "reason"?}                        |
| POST /_emulator/gmail/config            | {"search_lag_seconds"?, "replace_message_id"?}      |
| POST /_emulator/clock                   | {"advance_seconds": 60} (quota windows)             |

Staff action JSON: {"type": "edit_cell"|"sort_rows"|"insert_row"|"insert_column"|
"rename_header"|"delete_row", "spreadsheetId", "sheet", ...the keyword arguments of the
SheetsStore method of the same name (a1, value, by_col, descending, index, old, new)}.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ApiError, invalid, not_found
from .forms import FormsStore
from .gmail import GmailStore
from .sheets import SheetsStore

# Which Sheets methods spend the "Read requests" quota; everything else is a write.
_SHEETS_READS = {
    "sheets.spreadsheets.get",
    "sheets.spreadsheets.getByDataFilter",
    "sheets.spreadsheets.values.get",
    "sheets.spreadsheets.values.batchGet",
    "sheets.spreadsheets.values.batchGetByDataFilter",
    "sheets.spreadsheets.developerMetadata.get",
    "sheets.spreadsheets.developerMetadata.search",
}
_METRIC_NAMES = {"read": "Read requests", "write": "Write requests"}
_SERVICES = {
    "sheets": "sheets.googleapis.com",
    "forms": "forms.googleapis.com",
    "gmail": "gmail.googleapis.com",
}


def quota_bucket(method_id: str, http_method: str) -> str:
    api = method_id.split(".", 1)[0]
    read = method_id in _SHEETS_READS if api == "sheets" else http_method == "GET"
    return f"{api}_{'read' if read else 'write'}"


@dataclass
class Fault:
    status: int
    count: int
    methods: list[str] | None = None
    retry_after: float | None = None
    message: str | None = None
    skip: int = 0  # let this many matching calls through first (hit the k-th call)

    def applies(self, method_id: str) -> bool:
        if self.count <= 0 or (self.methods and method_id not in self.methods):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return True


@dataclass
class Faults:
    faults: list[Fault] = field(default_factory=list)
    latency_ms: int = 0
    drops: list[Fault] = field(default_factory=list)  # status unused; count + methods
    # Applied, then the answer lost: status 500 ("error") or 0 (connection dropped).
    after_apply: list[Fault] = field(default_factory=list)
    quota_per_minute: dict[str, int] = field(default_factory=dict)
    used: dict[str, deque[float]] = field(default_factory=dict)
    clock_offset: float = 0.0
    # A stop at API call number `stop_at` (1-based, counted from when it was set): that
    # call is dropped unapplied ("dropped"), applied with its connection dropped before
    # any answer ("lost"), or applied and answered 500 ("error"); every later call is a
    # 503 outage, until the faults are cleared.
    stop_at: int | None = None
    stop_mode: str = "dropped"
    stop_seen: int = 0

    def stop(self) -> str:
        """"" to serve this call; "outage" (503, unapplied); "lost" (apply, no answer);
        "error" (apply, answer 500)."""
        if self.stop_at is None:
            return ""
        self.stop_seen += 1
        if self.stop_seen < self.stop_at:
            return ""
        if self.stop_seen == self.stop_at and self.stop_mode in ("lost", "error"):
            return self.stop_mode
        return "outage"

    def now(self) -> float:
        return time.monotonic() + self.clock_offset

    def take_drop(self, method_id: str) -> bool:
        for d in self.drops:
            if d.applies(method_id):
                d.count -= 1
                return True
        return False

    def take_after_apply(self, method_id: str) -> Fault | None:
        for f in self.after_apply:
            if f.applies(method_id):
                f.count -= 1
                return f
        return None

    def check(self, method_id: str, http_method: str) -> None:
        """Raise the error Google would give for an injected fault or exhausted quota."""
        bucket = quota_bucket(method_id, http_method)
        limit = self.quota_per_minute.get(bucket)
        if limit is not None:
            window = self.used.setdefault(bucket, deque())
            now = self.now()
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= limit:
                api, kind = bucket.split("_")
                metric = _METRIC_NAMES[kind]
                raise ApiError(
                    429,
                    f"Quota exceeded for quota metric '{metric}' and limit "
                    f"'{metric} per minute per user' "
                    f"of service '{_SERVICES[api]}' for consumer 'project_number:000000000000'.",
                    "RESOURCE_EXHAUSTED",
                    details=[
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "RATE_LIMIT_EXCEEDED",
                            "domain": "googleapis.com",
                            "metadata": {
                                "quota_metric": f"{_SERVICES[api]}/{kind}_requests",
                                "service": _SERVICES[api],
                                "quota_limit_value": str(limit),
                            },
                        }
                    ],
                )
            window.append(now)
        for f in self.faults:
            if f.applies(method_id):
                f.count -= 1
                headers = (
                    {"Retry-After": str(int(f.retry_after))} if f.retry_after is not None else {}
                )
                default = {
                    429: "Resource has been exhausted (e.g. check quota).",
                    500: "Internal error encountered.",
                    503: "The service is currently unavailable.",
                }
                raise ApiError(
                    f.status, f.message or default.get(f.status, "Injected fault"), headers=headers
                )


class State:
    """Everything the emulator holds. One lock serialises API calls, like a single replica."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._fresh()

    def _fresh(self) -> None:
        self.sheets = SheetsStore()
        self.forms = FormsStore()
        self.gmail = GmailStore()
        self.faults = Faults()
        self.calls: Counter[str] = Counter()
        self.call_order: list[str] = []  # every served method id, in order
        self.errors: Counter[str] = Counter()
        self.scheduled: list[tuple[str, Callable[[], Any]]] = []
        self.at_call: list[tuple[int, Callable[[], Any]]] = []  # (call number, action)
        self.max_body_bytes = 10485760  # a larger API request body is a 400, as Google's

    def reset(self) -> None:
        with self.lock:
            self._fresh()

    def store_for(self, method_id: str) -> SheetsStore | FormsStore | GmailStore:
        return {"sheets": self.sheets, "forms": self.forms, "gmail": self.gmail}[
            method_id.split(".", 1)[0]
        ]

    def schedule(self, after_method: str, action: Callable[[], Any]) -> None:
        """Run `action()` once, right after the next successful call of `after_method`."""
        with self.lock:
            self.scheduled.append((after_method, action))

    def schedule_after_calls(self, k: int, action: Callable[[], Any]) -> None:
        """Run `action()` once, right after the k-th API call from now has been served
        (or the first served after it), whatever its method: between two calls."""
        with self.lock:
            self.at_call.append((sum(self.calls.values()) + k, action))

    def fire_scheduled(self, method_id: str) -> None:
        due = [a for m, a in self.scheduled if m == method_id]
        self.scheduled = [(m, a) for m, a in self.scheduled if m != method_id]
        n = sum(self.calls.values())
        due += [a for k, a in self.at_call if k <= n]
        self.at_call = [(k, a) for k, a in self.at_call if k > n]
        for action in due:
            action()

    def staff_action(self, action: dict[str, Any]) -> Callable[[], Any]:
        """Turn staff-action JSON into a callable on SheetsStore (validated now, run later)."""
        args = dict(action)
        kind = args.pop("type", None)
        allowed = {
            "edit_cell",
            "sort_rows",
            "insert_row",
            "insert_column",
            "rename_header",
            "delete_row",
        }
        if kind not in allowed:
            raise invalid(f"Unknown staff action {kind!r}; expected one of {sorted(allowed)}")
        try:
            sid, title = args.pop("spreadsheetId"), args.pop("sheet")
        except KeyError as exc:
            raise invalid(f"Staff action needs {exc}") from None
        method = getattr(self.sheets, kind)
        return lambda: method(sid, title, **args)

    def seed(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Seed from a document: {"spreadsheets": [...], "forms": [...]} or one of either."""
        made: dict[str, list[str]] = {"spreadsheets": [], "forms": []}
        with self.lock:
            sheets = doc.get("spreadsheets", [doc] if "sheets" in doc else [])
            forms = doc.get("forms", [doc] if "questions" in doc else [])
            for s in sheets:
                made["spreadsheets"].append(self.sheets.seed(s).id)
            for f in forms:
                made["forms"].append(self.forms.seed(f)["formId"])
        return made

    def seed_dir(self, folder: str | Path) -> None:
        for path in sorted(Path(folder).glob("*.json")):
            self.seed(json.loads(path.read_text(encoding="utf-8")))

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": dict(self.calls),
                "errors": dict(self.errors),
                "spreadsheets": {
                    sid: self.sheets.to_json(ss, include_grid=False)
                    | {
                        "values": {sh.title: self.sheets.values(sid, sh.title) for sh in ss.sheets},
                        "developerMetadata": [m.to_json() for m in ss.metadata.values()],
                    }
                    for sid, ss in self.sheets.spreadsheets.items()
                },
                "forms": {
                    fid: {"form": f, "responses": self.forms.responses[fid]}
                    for fid, f in self.forms.forms.items()
                },
                "gmail": self.gmail.sent(),
                "scheduled": [m for m, _ in self.scheduled],
            }


def handle_control(state: State, method: str, path: str, body: Any) -> dict[str, Any]:
    """Dispatch one `/_emulator/...` request (path without the prefix)."""
    parts = [p for p in path.split("/") if p]
    route = (method, parts[0] if parts else "")
    if route == ("POST", "reset"):
        state.reset()
        return {}
    if route == ("GET", "dump"):
        return state.dump()
    if route == ("GET", "calls"):
        with state.lock:
            return dict(state.calls)
    if route == ("POST", "seed"):
        if "path" in body:
            body = json.loads(Path(body["path"]).read_text(encoding="utf-8"))
        return state.seed(body)
    if method == "POST" and parts[:1] == ["forms"] and parts[2:] == ["responses"]:
        with state.lock:
            made = [
                state.forms.add_response(
                    parts[1], r["answers"], r.get("submitted"), r.get("responseId"), r.get("email")
                )
                for r in body.get("responses", [])
            ]
        return {"responses": made}
    if route == ("POST", "faults"):
        with state.lock:
            apply_faults(state.faults, body)
        return {}
    if route == ("DELETE", "faults"):
        with state.lock:
            state.faults = Faults()
        return {}
    if route == ("POST", "staff"):
        action = state.staff_action(body.get("action", {}))
        if body.get("after"):
            state.schedule(body["after"], action)
        else:
            with state.lock:
                action()
        return {}
    if route == ("POST", "gmail") and parts[1:] == ["bounce"]:
        with state.lock:
            notice = state.gmail.bounce(body["id"], body.get("reason", "Address not found"))
        return {"id": notice.id, "threadId": notice.thread_id}
    if route == ("POST", "gmail") and parts[1:] == ["config"]:
        with state.lock:
            if "search_lag_seconds" in body:
                state.gmail.search_lag_seconds = float(body["search_lag_seconds"])
            if "replace_message_id" in body:
                state.gmail.replace_message_id = bool(body["replace_message_id"])
        return {}
    if route == ("POST", "clock"):
        with state.lock:
            state.faults.clock_offset += float(body.get("advance_seconds", 0))
        return {}
    raise not_found(f"No emulator control route {method} /_emulator/{path}")


def apply_faults(faults: Faults, body: dict[str, Any]) -> None:
    if "status" in body:
        faults.faults.append(
            Fault(
                int(body["status"]),
                int(body.get("count", 1)),
                body.get("methods"),
                body.get("retry_after"),
                body.get("message"),
                skip=int(body.get("skip", 0)),
            )
        )
    if "latency_ms" in body:
        faults.latency_ms = int(body["latency_ms"])
    if "drop_connections" in body:
        faults.drops.append(Fault(0, int(body["drop_connections"]), body.get("methods"),
                                  skip=int(body.get("skip", 0))))
    if "after_apply" in body:
        status = {"error": 500, "drop": 0}[body["after_apply"]]
        faults.after_apply.append(Fault(status, int(body.get("count", 1)), body.get("methods"),
                                        skip=int(body.get("skip", 0))))
    if "stop_at" in body:
        if body.get("mode", "dropped") not in ("dropped", "lost", "error"):
            raise invalid("mode must be 'dropped', 'lost' or 'error'")
        faults.stop_at, faults.stop_mode = int(body["stop_at"]), body.get("mode", "dropped")
        faults.stop_seen = 0
    if "quota_per_minute" in body:
        faults.quota_per_minute.update({k: int(v) for k, v in body["quota_per_minute"].items()})
