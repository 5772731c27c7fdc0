"""The Dockerfile, read as text: no Docker engine runs here (nor in CI), so `docker build`
cannot be the test. What matters for Cloud Run is checked instead: the image installs the
built wheel (not an editable checkout) from the runtime pins, runs as a non-root user, its
entry point is `destsync`, and every base image is pinned to a release tag."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        word, _, rest = whole.partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for ins in instructions():
        if ins[0] == "FROM":
            found.append([])
        assert found, "an instruction before the first FROM"
        found[-1].append(ins)
    return found


def runs(stage: list[tuple[str, str]]) -> str:
    return "\n".join(args for word, args in stage if word == "RUN")


def test_every_base_image_is_pinned_to_a_release_tag() -> None:
    for stage in stages():
        image = stage[0][1].split()[0]
        name, _, tag = image.partition(":")
        assert name == "python", image
        # a version tag such as 3.11.11-slim-bookworm, not latest, 3.11-slim or nothing
        assert re.fullmatch(r"3\.11\.\d+-slim(-\w+)?", tag), image


def test_the_image_is_built_in_two_stages_and_the_first_builds_the_wheel() -> None:
    build, runtime = stages()
    assert "pip wheel" in runs(build)
    assert "--no-deps" in runs(build)
    copies = [args for word, args in runtime if word == "COPY"]
    assert any(args.startswith("--from=") for args in copies), copies


def test_the_runtime_installs_the_pinned_lock_then_the_wheel_without_resolving() -> None:
    runtime = stages()[-1]
    text = runs(runtime)
    installs = [c.strip() for c in re.split(r"&&|\n", text) if "pip install" in c]
    assert len(installs) == 2, installs
    lock, wheel = installs
    assert re.search(r"-r \S*requirements\.runtime\.lock", lock), lock
    assert ".whl" in wheel
    for cmd in installs:
        assert "--no-deps" in cmd, cmd
        assert not re.search(r"(^|\s)(-e|--editable)(\s|$)", cmd), cmd
    assert "requirements.runtime.lock" in " ".join(a for w, a in runtime if w == "COPY")


def test_it_runs_as_a_non_root_user() -> None:
    runtime = stages()[-1]
    users = [args for word, args in runtime if word == "USER"]
    assert users, "no USER: the job would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert user == "10001" or "--uid 10001" in runs(runtime)


def test_the_entry_point_is_destsync() -> None:
    runtime = stages()[-1]
    (entry,) = [args for word, args in runtime if word == "ENTRYPOINT"]
    assert json.loads(entry) == ["destsync"]


def test_nothing_secret_or_bulky_goes_into_the_build_context() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".git", "tests", "*.json"} <= ignored
