"""The folders are the design: import-linter's contracts must hold, and must fail when a
layer reaches upward. Run against a copy, so the real tree is never touched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache"], cwd=tree, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "destsync", tmp_path / "destsync",
                    ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("domain/model.py", "import destsync.adapters.google.sheets", "Layers"),
    ("domain/plan.py", "import destsync.service.sync", "Layers"),
    ("adapters/local/outbox.py", "import destsync.service.sending", "Layers"),
    ("domain/vocab.py", "import jinja2", "The domain is pure"),
    ("adapters/local/smtp.py", "import destsync.adapters.google.retry", "stay apart"),
    ("domain/calendar.py", "import destsync.domain.reconcile", "No import cycles"),
])
def test_a_forbidden_import_breaks_a_contract(tree: Path, module: str, line: str,
                                              contract: str) -> None:
    target = tree / "destsync" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n",
                      encoding="utf-8")
    result = lint(tree)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout[-2000:]
