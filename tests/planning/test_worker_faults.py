"""Processes killed mid-work (issue 14's fault tests), the real commands as processes against a
database of their own (a SQLite file): a worker killed with SIGKILL mid-solve leaves a plan that
another worker's sweep recovers and solves within a bound (a lease of 3 s); an adoption killed
at any moment leaves all of it or nothing."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
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


def connect(db: Path) -> closing[sqlite3.Connection]:
    """A connection closed on leaving the block (sqlite3's own context manager only commits):
    one left open in this process would keep the file's shared memory of a copy since
    replaced, and read the next copy through it as malformed."""
    return closing(sqlite3.connect(db, timeout=30))


def plan_row(db: Path) -> tuple:
    with connect(db) as conn:
        return conn.execute("SELECT state, attempts, error FROM planning_plan").fetchone()


def wait_for(db: Path, states: set, seconds: float) -> tuple:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = plan_row(db)
        if row and row[0] in states:
            return row
        time.sleep(0.02)
    raise AssertionError(f"the plan stayed {plan_row(db)} for {seconds} s")


def queued_demo_plan(env: dict) -> None:
    """The demo in the processes' own database, and a plan of it queued."""
    run(env, "migrate", "-v0")
    run(env, "demo", "-v0")
    run(env, "shell", "-v0", "-c", (
        "from clearinghouse.parties.models import User\n"
        "from clearinghouse.planning.services import run_plan\n"
        "run_plan(User.objects.get(username='coordinator'), time_limit=30)\n"))


def test_a_worker_killed_mid_solve_leaves_a_plan_that_another_worker_solves(env, tmp_path):
    db = tmp_path / "db.sqlite3"
    queued_demo_plan(env)
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
    with connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM planning_allocation").fetchone()[0] > 0


ADOPT = (
    "from clearinghouse.parties.models import User\n"
    "from clearinghouse.planning.models import Plan\n"
    "from clearinghouse.planning.services import adopt_plan\n"
    "plan = Plan.objects.get()\n"
    "adopt_plan(User.objects.get(username='coordinator'), plan, plan.version)\n")


def adoption_state(db: Path) -> tuple[str, dict, bool]:
    """(plan state, every pledge's and need's state, whether every pledge the plan uses is
    allocated)."""
    with connect(db) as conn:
        state = conn.execute("SELECT state FROM planning_plan").fetchone()[0]
        records = dict(conn.execute("SELECT 'P' || id, state FROM pledges_pledge UNION ALL "
                                    "SELECT 'N' || id, state FROM needs_need").fetchall())
        unallocated = conn.execute(
            "SELECT count(*) FROM pledges_pledge WHERE state != 'allocated' AND id IN "
            "(SELECT coalesce(pledge_id, fund_id) FROM planning_allocation)").fetchone()[0]
    return state, records, unallocated == 0


def test_a_process_killed_mid_adoption_leaves_all_or_nothing(env, tmp_path):
    """Adoption moves thousands of records in one transaction: killed at any moment, the
    database holds the plan adopted with every pledge it uses allocated, or nothing changed."""
    import shutil

    db = tmp_path / "db.sqlite3"
    queued_demo_plan(env)
    run(env, "worker", "--batch", "--no-startup-delay")
    before_state, before, _ = adoption_state(db)
    assert before_state == "solved"
    solved = tmp_path / "solved.sqlite3"
    shutil.copy(db, solved)
    # how long a whole adoption takes here (start-up included), then kills spread over it
    started = time.monotonic()
    run(env, "shell", "-v0", "-c", ADOPT)
    whole = time.monotonic() - started
    assert adoption_state(db)[0] == "adopted"
    outcomes = []
    for delay in (whole * f for f in (0.3, 0.6, 0.7, 0.8, 0.9, 0.95)):
        shutil.copy(solved, db)
        for suffix in ("-wal", "-shm"):
            (tmp_path / f"db.sqlite3{suffix}").unlink(missing_ok=True)
        adopting = command(env, "shell", "-v0", "-c", ADOPT)
        time.sleep(delay)
        adopting.send_signal(signal.SIGKILL)
        adopting.wait(10)
        state, records, all_allocated = adoption_state(db)
        if state == "solved":
            assert records == before, delay  # nothing changed
        else:
            assert state == "adopted" and all_allocated and records != before, delay
        outcomes.append(state)
    # the kills fell before, during and after the transaction: nothing half done either way
    assert "solved" in outcomes
