"""The package as a new user gets it: a wheel built from the repo, installed into a fresh
venv (no editable checkout, no system site-packages), runs the example sync from a folder
that is not the repo. This is what the container does, and what issue 11 found broken when
the templates lived outside the package.

Slow (a venv and the pinned runtime dependencies, about a minute with pip's cache), so one
venv serves the whole module."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p.name for p in (ROOT / "destsync" / "templates").glob("*.j2"))


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path
    work: Path  # a scratch folder outside the repo


def clean_env() -> dict[str, str]:
    """The environment of a user's shell: nothing that would let the repo's own checkout or
    the test venv leak into the fresh one."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSAFEPATH")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def run(*cmd: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    # Build from a copy holding only what the image's build stage copies, so the build
    # leaves no build/ or egg-info in the repo and cannot see files the image lacks.
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "destsync", src / "destsync",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    quiet = ("-q", "--disable-pip-version-check")
    run(sys.executable, "-m", "pip", "wheel", *quiet, "--no-deps", "-w", work / "dist", src,
        cwd=work)
    (wheel,) = (work / "dist").glob("destsync-*.whl")

    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    py = bin_dir / ("python.exe" if os.name == "nt" else "python")
    # As the Dockerfile does: the runtime pins exactly, then the wheel without resolving.
    run(py, "-m", "pip", "install", *quiet, "--no-deps", "-r",
        ROOT / "requirements.runtime.lock", cwd=work)
    run(py, "-m", "pip", "install", *quiet, "--no-deps", wheel, cwd=work)
    return Installed(wheel, bin_dir, work)


def test_the_wheel_carries_the_templates_and_py_typed(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert TEMPLATES, "no templates in the repo?"
    missing = [t for t in TEMPLATES if f"destsync/templates/{t}" not in names]
    assert missing == []
    assert "destsync/py.typed" in names
    assert "destsync/adapters/google/__init__.py" in names  # subpackages too, not only the top
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "destsync = destsync.entrypoints.cli:main" in zipfile.ZipFile(installed.wheel).read(
        entry_points).decode()


def test_the_fresh_venv_imports_the_installed_copy_not_the_repo(installed: Installed) -> None:
    py = installed.bin / ("python.exe" if os.name == "nt" else "python")
    out = run(py, "-c", "import destsync.config.mail as m; print(m.DEFAULT_TEMPLATES)",
              cwd=installed.work).stdout.strip()
    templates = Path(out)
    assert ROOT not in templates.parents
    assert "site-packages" in templates.parts
    assert sorted(p.name for p in templates.glob("*.j2")) == TEMPLATES


def test_the_example_sync_runs_from_the_installed_wheel(installed: Installed) -> None:
    # config/example.toml's paths are relative to the file: copy it with its sample school
    # and make every path absolute, so nothing depends on where the command runs.
    cfg = installed.work / "config"
    out = installed.work / "output"
    shutil.copytree(ROOT / "config" / "sample", cfg / "sample")
    text = (ROOT / "config" / "example.toml").read_text(encoding="utf-8")
    for old, new in (('"sample/', f'"{cfg.as_posix()}/sample/'),
                     ('"../output/', f'"{out.as_posix()}/')):
        assert old in text, f"config/example.toml no longer has {old}: update this test"
        text = text.replace(old, new)
    config = cfg / "trust.toml"
    config.write_text(text, encoding="utf-8")
    elsewhere = installed.work / "elsewhere"
    elsewhere.mkdir()

    exe = installed.bin / ("destsync.exe" if os.name == "nt" else "destsync")
    done = run(exe, "sync", "--config", config, "--json", cwd=elsewhere)

    summary = json.loads(done.stdout)
    assert isinstance(summary, dict)
    assert (out / "oakfield-tracker.xlsx").is_file()
    assert list(elsewhere.iterdir()) == []  # nothing written relative to the cwd
