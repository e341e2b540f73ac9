"""The import contracts of pyproject.toml (docs/layers.md) hold on this tree, and break on an
upward import or on Django in the solver: lint-imports runs on a copy with one line added."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import clearinghouse

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(clearinghouse.__file__).resolve().parent
LINT = Path(sys.executable).parent / "lint-imports"


def lint(src: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache", "--no-logo"], cwd=ROOT, text=True,
                          capture_output=True, env={"PATH": "/usr/bin:/bin",
                                                    "PYTHONPATH": str(src)}, timeout=300)


def test_the_tree_keeps_every_contract():
    run = lint(PACKAGE.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("needs/models.py", "from clearinghouse.planning import models as _upward  # noqa",
     "clearinghouse.needs is not allowed to import clearinghouse.planning"),
    ("core/web.py", "import clearinghouse.parties.rules  # noqa",
     "clearinghouse.core is not allowed to import clearinghouse.parties"),
    ("planning/solver/result.py", "import django.db  # noqa",
     "clearinghouse.planning.solver is not allowed to import django"),
    ("planning/solver/build/model.py", "from ..lp import master as _upward  # noqa",
     "clearinghouse.planning.solver.build is not allowed to import "
     "clearinghouse.planning.solver.lp"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, broken):
    copy = tmp_path / "clearinghouse"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}\n")
    run = lint(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert broken in " ".join(run.stdout.split())  # the report wraps long lines
