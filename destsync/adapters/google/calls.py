"""Naming and counting Google API calls: URL -> "api.method", from the discovery documents
bundled with google-api-python-client, so the names match Google's and never drift."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

_APIS = (("sheets", "v4"), ("forms", "v1"), ("gmail", "v1"))


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
