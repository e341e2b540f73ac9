"""The solver package is pure: importing and running it never imports Django."""

import os
import subprocess
import sys
from pathlib import Path

import clearinghouse

from ..helpers import EXAMPLES

SRC = Path(clearinghouse.__file__).resolve().parent.parent
EXAMPLE = EXAMPLES / "priority.json"

CODE = f"""
import sys
import clearinghouse.planning.solver as s
from clearinghouse.planning.solver import cli
s.solve(s.load_instance({str(EXAMPLE)!r})).to_plan()
bad = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
print("DJANGO" if bad else "CLEAN", bad[:3])
"""


def test_solver_does_not_import_django():
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    run = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, env=env, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert "CLEAN" in run.stdout, run.stdout
