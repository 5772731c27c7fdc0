"""Route and validate requests with Google's own discovery documents.

The documents are the ones google-api-python-client ships for `static_discovery=True`, so
the emulator accepts exactly the surface the real client can send: an adapter that passes
here uses method paths, query parameters and body fields that Google declares. Unknown
fields and parameters are rejected with the same messages Google's ESF front end uses, so
a typo in an adapter fails in tests rather than in production.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import googleapiclient

from .errors import ApiError, invalid

DOCUMENTS = ("sheets.v4", "forms.v1", "gmail.v1")

# Each API's methods live under a distinct path prefix on the one emulator host.
API_PREFIXES = {"sheets": "v4/spreadsheets", "forms": "v1/forms", "gmail": "gmail/v1/users"}


def documents_dir() -> Path:
    """The discovery_cache/documents folder of the installed google-api-python-client."""
    return Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


@cache
def load_document(name: str) -> dict[str, Any]:
    with open(documents_dir() / f"{name}.json", encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


@dataclass(frozen=True)
class Method:
    """One discovery method, compiled for matching."""

    id: str
    http_method: str
    template: str
    regex: re.Pattern[str]
    spec: dict[str, Any]
    doc: dict[str, Any]

    @property
    def api(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass
class Routed:
    method: Method
    path_params: dict[str, str]


def _compile(template: str) -> re.Pattern[str]:
    # `{+name}` is reserved expansion and may contain "/"; `{name}` is one segment. The
    # lazy match lets `values/{range}:append` split "A1:B2:append" at the last ":verb".
    out = []
    pos = 0
    for m in re.finditer(r"\{(\+?)([^}]+)\}", template):
        out.append(re.escape(template[pos : m.start()]))
        var = re.sub(r"\W", "_", m.group(2))
        out.append(f"(?P<{var}>.+?)" if m.group(1) else f"(?P<{var}>[^/]+?)")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("^" + "".join(out) + "$")


def _walk(resource: dict[str, Any], out: list[dict[str, Any]]) -> None:
    out.extend(resource.get("methods", {}).values())
    for child in resource.get("resources", {}).values():
        _walk(child, out)


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


class Discovery:
    """All methods of the bundled documents, indexed by HTTP method."""

    def __init__(self, names: tuple[str, ...] = DOCUMENTS) -> None:
        self.methods: list[Method] = []
        for name in names:
            doc = load_document(name)
            specs: list[dict[str, Any]] = []
            _walk(doc, specs)
            for spec in specs:
                template = doc.get("servicePath", "") + spec.get("flatPath", spec["path"])
                self.methods.append(
                    Method(spec["id"], spec["httpMethod"], template, _compile(template), spec, doc)
                )
        # Literal-heavy templates first, so a verb suffix wins over a bare variable.
        self.methods.sort(key=lambda m: -len(re.sub(r"\{[^}]+\}", "", m.template)))

    def route(self, http_method: str, raw_path: str) -> Routed:
        path = raw_path.lstrip("/")
        for method in self.methods:
            if method.http_method != http_method:
                continue
            m = method.regex.match(path)
            if m:
                params = {k: unquote(v) for k, v in m.groupdict().items()}
                return Routed(method, params)
        if any(m.regex.match(path) for m in self.methods):
            raise ApiError(405, f"Method {http_method} not allowed for /{path}", "INVALID_ARGUMENT")
        raise ApiError(404, f"The requested URL /{path} was not found on this server.", "NOT_FOUND")

    # -- query parameters -------------------------------------------------------------

    def check_query(self, method: Method, query: dict[str, list[str]]) -> dict[str, Any]:
        """Validate query parameters; return them typed (repeated params as lists)."""
        declared: dict[str, Any] = dict(method.doc.get("parameters", {}))
        declared.update(
            {k: v for k, v in method.spec.get("parameters", {}).items() if v["location"] == "query"}
        )
        typed: dict[str, Any] = {}
        for name, values in query.items():
            spec = declared.get(name)
            if spec is None:
                raise invalid(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                    f"parameter. Field '{name}' could not be found in request message."
                )
            if not spec.get("repeated") and len(values) > 1:
                raise invalid(f"Invalid value for '{name}': repeated values for a singular field")
            conv = [self._convert_param(name, spec, v) for v in values]
            typed[name] = conv if spec.get("repeated") else conv[0]
        for name, spec in method.spec.get("parameters", {}).items():
            if spec.get("required") and spec["location"] == "query" and name not in typed:
                raise invalid(f"Required parameter '{name}' is missing")
        return typed

    @staticmethod
    def _convert_param(name: str, spec: dict[str, Any], value: str) -> Any:
        kind = spec.get("type")
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise invalid(f"Invalid value at '{_snake(name)}' (TYPE_INT32), \"{value}\"")
            return int(value)
        if kind == "boolean":
            # Case-insensitive: gspread sends Python's "False" and Google accepts it.
            if value.lower() not in ("true", "false"):
                raise invalid(f"Invalid value at '{_snake(name)}' (TYPE_BOOL), \"{value}\"")
            return value.lower() == "true"
        if "enum" in spec and value not in spec["enum"]:
            raise invalid(f"Invalid value at '{_snake(name)}' (TYPE_ENUM), \"{value}\"")
        return value

    # -- request bodies -----------------------------------------------------------------

    def check_body(self, method: Method, body: Any) -> Any:
        """Validate a JSON body against the request schema; return it with camelCase keys.

        Google's JSON parser accepts both the JSON name (`valueInputOption`) and the
        proto field name (`value_input_option`), so both are accepted and normalised.
        """
        ref = method.spec.get("request", {}).get("$ref")
        if ref is None:
            return body
        if body is None:
            body = {}
        return self._check(method.doc, {"$ref": ref}, body, "")

    def _check(self, doc: dict[str, Any], schema: dict[str, Any], value: Any, path: str) -> Any:
        if "$ref" in schema:
            schema = doc["schemas"][schema["$ref"]]
        kind = schema.get("type", "any")
        where = f" at '{path}'" if path else ""
        if kind == "any" or value is None:
            return value
        if kind == "object":
            if not isinstance(value, dict):
                raise invalid(f"Invalid JSON payload received. Expected an object{where}.")
            props: dict[str, Any] = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            out: dict[str, Any] = {}
            for key, item in value.items():
                name = key if key in props else _camel(key)
                if name in props:
                    sub = f"{path}.{_snake(name)}" if path else _snake(name)
                    out[name] = self._check(doc, props[name], item, sub)
                elif extra is not None:
                    out[key] = self._check(doc, extra, item, f"{path}[{key}]")
                else:
                    raise invalid(
                        f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                        "Cannot find field."
                    )
            return out
        if kind == "array":
            if not isinstance(value, list):
                raise invalid(f"Invalid value{where} (TYPE_LIST), {json.dumps(value)}")
            items = schema.get("items", {})
            return [self._check(doc, items, v, f"{path}[{i}]") for i, v in enumerate(value)]
        return self._check_scalar(schema, kind, value, path)

    @staticmethod
    def _check_scalar(schema: dict[str, Any], kind: str, value: Any, path: str) -> Any:
        shown = json.dumps(value)
        if kind == "string":
            # int64/uint64 are strings in discovery but proto3 JSON also accepts numbers.
            if schema.get("format") in ("int64", "uint64") and isinstance(value, int):
                return value
            if not isinstance(value, str):
                raise invalid(f"Invalid value at '{path}' (TYPE_STRING), {shown}")
            if "enum" in schema and value not in schema["enum"]:
                raise invalid(f"Invalid value at '{path}' (TYPE_ENUM), {shown}")
            return value
        if kind == "integer":
            if isinstance(value, bool) or not (
                isinstance(value, int)
                or (isinstance(value, float) and value.is_integer())
                or (isinstance(value, str) and re.fullmatch(r"-?\d+", value))
            ):
                raise invalid(f"Invalid value at '{path}' (TYPE_INT32), {shown}")
            return int(value)
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise invalid(f"Invalid value at '{path}' (TYPE_DOUBLE), {shown}")
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise invalid(f"Invalid value at '{path}' (TYPE_BOOL), {shown}")
            return value
        return value
