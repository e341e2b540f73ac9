"""`clearinghouse solve` runs the pure solver without a database or Django settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent / "examples"


def run(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= env_extra or {}
    return subprocess.run([sys.executable, "-m", "clearinghouse", "solve", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_solve_writes_the_optimal_plan(tmp_path):
    out = tmp_path / "plan.json"
    # A database address that cannot work proves none is opened.
    done = run(str(EXAMPLES / "priority.json"), "--out", str(out),
               env_extra={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"})
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["value"] == 8.0


def test_invalid_instance_exits_2_naming_the_path_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"horizon_weeks": 3}))
    out = tmp_path / "plan.json"
    done = run(str(bad), "--out", str(out))
    assert done.returncode == 2
    assert "$" in done.stderr and "required" in done.stderr
    assert not out.exists()
