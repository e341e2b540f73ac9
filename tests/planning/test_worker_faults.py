"""A real worker killed with SIGKILL mid-solve (issue 14, finding 7, and its fault test): the
plan is recovered by another worker's sweep and solved, within a bound. Runs the real commands
as processes, against a database of their own (a SQLite file), with a lease of 3 s."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 3
BOUND_S = 90  # lease, sweep, and a second solve of the demo on a slow machine


@pytest.fixture
def env(tmp_path) -> dict:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("CLEARINGHOUSE_", "DJANGO_", "DATABASE_URL"))}
    return {**base, "CLEARINGHOUSE_VAR": str(tmp_path),
            "CLEARINGHOUSE_PLAN_LEASE_S": str(LEASE_S)}


def command(env: dict, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "clearinghouse", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)


def run(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "clearinghouse", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def plan_row(db: Path) -> tuple:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute("SELECT state, attempts, error FROM planning_plan").fetchone()


def wait_for(db: Path, states: set, seconds: float) -> tuple:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = plan_row(db)
        if row and row[0] in states:
            return row
        time.sleep(0.02)
    raise AssertionError(f"the plan stayed {plan_row(db)} for {seconds} s")


def test_a_worker_killed_mid_solve_leaves_a_plan_that_another_worker_solves(env, tmp_path):
    db = tmp_path / "db.sqlite3"
    run(env, "migrate", "-v0")
    run(env, "demo", "-v0")
    run(env, "shell", "-v0", "-c", (
        "from clearinghouse.parties.models import User\n"
        "from clearinghouse.planning.services import run_plan\n"
        "run_plan(User.objects.get(username='coordinator'), time_limit=30)\n"))
    first = command(env, "worker", "--no-startup-delay", "--interval", "0.1")
    try:
        assert wait_for(db, {"running"}, 60)[:2] == ("running", 1)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    assert plan_row(db)[0] == "running"  # what the killed worker left: nobody else would move it

    killed_at = time.monotonic()
    second = command(env, "worker", "--no-startup-delay", "--interval", "0.1")
    try:
        state, attempts, error = wait_for(db, {"solved", "failed"}, BOUND_S)
    finally:
        second.terminate()
        second.wait(10)
    assert (state, attempts) == ("solved", 2), error
    assert time.monotonic() - killed_at < BOUND_S
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM planning_allocation").fetchone()[0] > 0
