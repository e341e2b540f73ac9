"""Helpers for tests that start the application's own processes (servers, workers, commands)
against a database of their own, of the suite's engine: a SQLite file in the test's folder, or,
when the suite runs on PostgreSQL (``DATABASE_URL``), a database made for the test and dropped
after it."""

from __future__ import annotations

import itertools
import json
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
_NAMES = itertools.count()

# runserver, with the listen backlog of a production server (gunicorn's is 2,048): its own
# backlog of 10 turns fifty clients connecting at once into resets before any request is read.
SERVE = """
import sys
from django.core.servers import basehttp
basehttp.WSGIServer.request_queue_size = 128
from clearinghouse.__main__ import main
sys.argv = ["clearinghouse", "runserver", sys.argv[1], "--noreload"]
main()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, key: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    """One API call with a key: (status, JSON answer; {} for an error)."""
    request = urllib.request.Request(
        url, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


class OwnDatabase:
    """The database of the processes a test starts, and a way to read it."""

    def __init__(self, folder: Path, url: str | None) -> None:
        self.folder, self.url = folder, url

    def env(self, **extra: str) -> dict:
        """The environment of a process on this database: none of the suite's own settings."""
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("CLEARINGHOUSE_", "DJANGO_", "DATABASE_URL"))}
        own = {"DATABASE_URL": self.url} if self.url else {}
        return {**base, "CLEARINGHOUSE_VAR": str(self.folder), **own, **extra}

    def rows(self, sql: str) -> list[tuple]:
        if self.url:
            import psycopg

            with closing(psycopg.connect(self.url)) as conn:
                return conn.execute(sql).fetchall()
        # closed on leaving: one left open would keep the shared memory of a file since replaced
        with closing(sqlite3.connect(self.folder / "db.sqlite3", timeout=30)) as conn:
            return conn.execute(sql).fetchall()


@contextmanager
def own_database(folder: Path) -> Iterator[OwnDatabase]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield OwnDatabase(folder, None)
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.strip('/')}_own_{os.getpid()}_{next(_NAMES)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with closing(psycopg.connect(admin, autocommit=True)) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield OwnDatabase(folder, urlunsplit(parts._replace(path=f"/{name}")))
    finally:
        with closing(psycopg.connect(admin, autocommit=True)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *args: str) -> str:
    """``clearinghouse <args>`` run to its end; its output (it must succeed)."""
    done = subprocess.run([sys.executable, "-m", "clearinghouse", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
