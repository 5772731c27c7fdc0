"""The container's runtime pins must agree with the development pins, and cover every
runtime dependency: otherwise the image runs versions no test ever ran."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins(name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            pkg, _, version = line.partition("==")
            out[re.sub(r"[-_.]+", "-", pkg).lower()] = version
    return out


def test_runtime_pins_are_a_subset_of_the_tested_pins() -> None:
    dev, runtime = pins("requirements.lock"), pins("requirements.runtime.lock")
    differing = {k: (v, dev.get(k)) for k, v in runtime.items() if dev.get(k) != v}
    assert differing == {}


def test_every_runtime_dependency_is_pinned_for_the_image() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=!~ \[]", d)[0].lower() for d in project["dependencies"]}
    runtime = pins("requirements.runtime.lock")
    assert names - set(runtime) == set()
    # and no test or lint tool ships in the image
    assert {"pytest", "hypothesis", "mypy", "ruff", "aiosmtpd"} & set(runtime) == set()
