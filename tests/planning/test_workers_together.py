"""Several workers against one database (issue 14: "several workers on several machines
against one PostgreSQL is supported, tested"): worker processes that share nothing but the
database the suite runs on (PostgreSQL in CI's second run, a SQLite file in the first) solve
a queue of plans, each plan once; one of them killed with SIGKILL mid-solve leaves its plan to
the others. The processes stand for machines: the lease, the claim and the queue live in the
database alone."""

import signal
import time

import pytest

from tests.processes import manage, own_database

from .test_worker_faults import command

PLANS = 4
WORKERS = 3
LEASE_S = 3
BOUND_S = 180  # four solves of the demo, a lease and a sweep, on a slow shared machine


@pytest.fixture
def database(tmp_path):
    with own_database(tmp_path) as db:
        yield db


def test_workers_share_a_queue_and_each_plan_is_solved_once(database):
    env = database.env(CLEARINGHOUSE_PLAN_LEASE_S=str(LEASE_S))
    manage(env, "migrate", "-v0")
    manage(env, "demo", "-v0", "--no-shipments")  # its plans alone in planning_plan
    manage(env, "shell", "-v0", "-c", (
        "from clearinghouse.parties.models import User\n"
        "from clearinghouse.planning.services import run_plan\n"
        f"for _ in range({PLANS}):\n"
        "    run_plan(User.objects.get(username='coordinator'), time_limit=30)\n"))
    workers = [command(env, "worker", "--no-startup-delay", "--interval", "0.1")
               for _ in range(WORKERS)]
    try:
        deadline = time.monotonic() + 60
        while not database.rows("SELECT id FROM planning_plan WHERE state = 'running'"):
            assert time.monotonic() < deadline, "no worker took a plan"
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)  # it may hold a plan, or be between plans
        deadline = time.monotonic() + BOUND_S
        while True:
            states = database.rows("SELECT state, attempts, error FROM planning_plan")
            if all(s in ("solved", "failed") for s, _, _ in states):
                break
            assert time.monotonic() < deadline, states
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
    assert [s for s, _, _ in states] == ["solved"] * PLANS, states
    # Each plan claimed once, but the one the killed worker held (claimed again once).
    attempts = sorted(a for _, a, _ in states)
    assert attempts in ([1] * PLANS, [1] * (PLANS - 1) + [2]), attempts
    stored = dict(database.rows(
        "SELECT plan_id, count(*) FROM planning_allocation GROUP BY plan_id"))
    # every plan stored once: one solve's allocations, not two (the same snapshot each time)
    assert len(stored) == PLANS and max(stored.values()) < 2 * min(stored.values()), stored
