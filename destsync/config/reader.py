"""A small strict reader over parsed TOML: every key is read once, by type, and anything
left over is an unknown key. Errors name the file, the key and the fix in one line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from destsync.errors import ConfigError


class TableReader:
    def __init__(self, data: dict[str, Any], path: str, file: Path) -> None:
        self._data = data
        self._path = path
        self._file = file
        self._seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def error(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"{self._file}: {self._key(key)} {problem}", fix)

    def has(self, key: str) -> bool:
        return key in self._data

    def renames(self, key: str, allowed: Iterable[str], what: str, fix: str) -> dict[str, str]:
        """The ``key`` sub-table of names a config overrides (``columns = { ref = "UPN" }``):
        every key in it must be one of ``allowed``, else the error names it as not ``what``."""
        t, known, out = self.table(key), set(allowed), {}
        for k in t.keys():
            if k not in known:
                t.raw(k)
                raise t.error(k, f"is not {what}", fix)
            out[k] = str(t.text(k))
        t.done()
        return out

    def _get(self, key: str, typ: type | tuple[type, ...], what: str, default: Any) -> Any:
        self._seen.add(key)
        if key not in self._data:
            if default is _REQUIRED:
                raise self.error(key, "is missing", f"add `{key} = ...` ({what})")
            return default
        value = self._data[key]
        # bool is an int in Python; a TOML `true` must not pass as a number.
        if not isinstance(value, typ) or (isinstance(value, bool) and typ is int):
            raise self.error(
                key, f"should be {what}, not {type(value).__name__} {_short(value)}",
                f"write {what}",
            )
        return value

    def text(self, key: str, default: Any = None) -> Any:
        d = _REQUIRED if default is None else default
        v = self._get(key, str, "a quoted string", d)
        if isinstance(v, str) and not v.strip() and d is _REQUIRED:
            raise self.error(key, "is empty", "give it a value")
        return v

    def opt_text(self, key: str) -> str:
        return str(self._get(key, str, "a quoted string", ""))

    def integer(
        self, key: str, default: int | None = None, lo: int = 0, hi: int = 10**9
    ) -> int:
        v = int(self._get(key, int, "a whole number", _REQUIRED if default is None else default))
        if not lo <= v <= hi:
            raise self.error(
                key, f"is {v}, outside {lo} to {hi}", f"use a number from {lo} to {hi}"
            )
        return v

    def flag(self, key: str, default: bool) -> bool:
        return bool(self._get(key, bool, "true or false", default))

    def day(self, key: str, default: date | None = None) -> date | None:
        raw = self._get(key, (str, date), "a date such as 2026-09-02", default)
        return to_date(self, key, raw) if raw is not None else None

    def text_list(self, key: str, default: list[str]) -> list[str]:
        v = self._get(key, list, "a list of strings", default)
        if not all(isinstance(x, str) for x in v):
            raise self.error(key, "should list only strings", 'write ["a", "b"]')
        return list(v)

    def integer_list(self, key: str, default: list[int]) -> list[int]:
        v = self._get(key, list, "a list of whole numbers", default)
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            raise self.error(key, "should list only whole numbers", "write [0, 14, 35]")
        return list(v)

    def table(self, key: str, required: bool = False) -> TableReader:
        v = self._get(key, dict, "a table", _REQUIRED if required else {})
        return TableReader(v, self._key(key), self._file)

    def tables(self, key: str) -> list[TableReader]:
        v = self._get(key, list, "an array of tables ([[...]])", [])
        out = []
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                raise self.error(f"{key}[{i}]", "should be a table", f"write [[{key}]] sections")
            out.append(TableReader(item, f"{self._key(key)}[{i}]", self._file))
        return out

    def raw(self, key: str) -> Any:
        self._seen.add(key)
        return self._data.get(key)

    def keys(self) -> list[str]:
        return list(self._data)

    def done(self) -> None:
        """Reject keys nobody read: a typo must not be silently ignored."""
        for key in self._data:
            if key not in self._seen:
                near = difflib.get_close_matches(key, sorted(self._seen), n=1)
                fix = f"did you mean `{near[0]}`?" if near else "remove it"
                raise self.error(key, "is not a setting destsync knows", fix)


def _short(value: Any) -> str:
    """The wrong value, cut short: a whole table written where a list belongs (``[x]`` for
    ``[[x]]``) used to be printed in full, a screenful on one line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_date(r: TableReader, key: str, raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise r.error(key, f"is not a real date: {raw!r}", "write YYYY-MM-DD") from None


_REQUIRED: Any = object()


def config_path(t: TableReader, key: str, file: Path, must_exist: bool) -> Path:
    """A path in the config, relative to the config file's folder, checked."""
    p: Path = (file.parent / str(t.text(key))).resolve()
    try:
        if must_exist and not p.exists():
            raise t.error(key, f"points to {p}, which does not exist", "fix the path")
        if not must_exist and not p.parent.exists():
            # The folder for an output workbook is created by destsync, but only one level:
            # a path that is wrong by a whole tree is a typo, not a new folder.
            if not p.parent.parent.exists():
                raise t.error(key, f"points into {p.parent}, which does not exist", "fix the path")
    except PermissionError:
        # Path.exists() raises, rather than answers False, inside a folder this account
        # may not open; that used to be an unexpected error (exit 1).
        raise t.error(key, f"points to {p}, which this account may not open",
                      "give the account that runs destsync access to that folder") from None
    return p
