"""Several workers against one database (issue 14: "several workers on several machines
against one PostgreSQL is supported, tested"): worker processes that share nothing but the
database the suite runs on (PostgreSQL in CI's second run, a SQLite file in the first) solve
a queue of plans, each plan once; one of them killed with SIGKILL mid-solve leaves its plan to
the others. The processes stand for machines: the lease, the claim and the queue live in the
database alone."""

import os
import signal
import sqlite3
import time
from contextlib import closing
from urllib.parse import urlsplit, urlunsplit

import pytest

from .test_worker_faults import command, run

PLANS = 4
WORKERS = 3
LEASE_S = 3
BOUND_S = 180  # four solves of the demo, a lease and a sweep, on a slow shared machine


class Database:
    """A database of the suite's engine for the processes alone, and a way to read it."""

    def __init__(self, tmp_path) -> None:
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            import psycopg

            self.name = f"ch_workers_{os.getpid()}"
            parts = urlsplit(url)
            self.admin = url
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
            with closing(psycopg.connect(url, autocommit=True)) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.name}")
                conn.execute(f"CREATE DATABASE {self.name}")
        else:
            self.path = tmp_path / "db.sqlite3"

    def env(self, base: dict) -> dict:
        return {**base, "DATABASE_URL": self.url} if self.postgres else base

    def rows(self, sql: str) -> list[tuple]:
        if self.postgres:
            import psycopg

            with closing(psycopg.connect(self.url)) as conn:
                return conn.execute(sql).fetchall()
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            return conn.execute(sql).fetchall()

    def drop(self) -> None:
        if self.postgres:
            import psycopg

            with closing(psycopg.connect(self.admin, autocommit=True)) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path)
    yield db
    db.drop()


def test_workers_share_a_queue_and_each_plan_is_solved_once(database, tmp_path):
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("CLEARINGHOUSE_", "DJANGO_", "DATABASE_URL"))}
    env = database.env({**base, "CLEARINGHOUSE_VAR": str(tmp_path),
                        "CLEARINGHOUSE_PLAN_LEASE_S": str(LEASE_S)})
    run(env, "migrate", "-v0")
    run(env, "demo", "-v0")
    run(env, "shell", "-v0", "-c", (
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
