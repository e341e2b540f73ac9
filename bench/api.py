"""API benchmark on PostgreSQL: list endpoints against a bare Django view, and query counts.

    DATABASE_URL=postgres://... .venv/bin/python bench/api.py [--scales 1,10] [--requests N]

For each scale the demo is loaded (``clearinghouse demo --reset``) into a database of its own,
``clearinghouse_bench`` on the server DATABASE_URL names (created here, dropped at the end; the
main database is not touched). Requests go over HTTP to a real WSGI server (Django's, as
runserver uses it) in a thread on 127.0.0.1, one at a time, with a signed-in session; DEBUG is
off. For each user and list: requests per second and p50/p95 latency of the API and of a bare
Django view (bench/urls.py) with the same filter, visibility, ordering and page size; the ratio
is API latency / bare latency. Queries per list page are counted in-process
(CaptureQueriesContext) at page sizes 10, 50 and 200: they must not grow with the page size.
Exit status 1 if they do, if API and bare view disagree on the rows, or if a request fails.
"""

import argparse
import http.client
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.urls when run as a script

BENCH_DB = "clearinghouse_bench"
SEED = 2024
LISTS = (("needs", "state=open"), ("pledges", "state=accepted"))
USERS = (("coordinator", "coordinator"), ("donor rep (DEU)", "deu-rep"))
PAGE_SIZES = (10, 50, 200)
HOW_TO_START = (
    "bench/api.py needs PostgreSQL. Start the throwaway server and point DATABASE_URL at it:\n"
    '    export DATABASE_URL="$(.ci/postgres.sh)"\n'
    "    .venv/bin/python bench/api.py"
)


def parse_args(description: str = __doc__, requests: int = 200, warmup: int = 20,
               database: str = BENCH_DB, extra: tuple = ()) -> argparse.Namespace:
    """The benchmarks' shared options (bench/pages.py passes its own defaults, and ``extra``
    options as (names, keyword arguments) of ``add_argument``)."""
    parser = argparse.ArgumentParser(description=description.split("\n\n")[0])
    for names, options in extra:
        parser.add_argument(*names, **options)
    parser.add_argument("--scales", default="1,10", help="demo scales, comma-separated")
    parser.add_argument("--requests", type=int, default=requests, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=warmup, help="untimed requests per case")
    parser.add_argument("--keep", action="store_true", help=f"keep the {database} database")
    args = parser.parse_args()
    try:
        args.scales = [float(s) for s in args.scales.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--scales: not a list of numbers: {args.scales!r}")
    if not args.scales or min(args.scales) < 1:
        parser.error("--scales: each scale must be at least 1")
    if args.requests < 2 or args.warmup < 0:
        parser.error("--requests must be at least 2 and --warmup at least 0")
    return args


def server_config() -> dict:
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url) if url else {}
    if "postgresql" not in config.get("ENGINE", ""):
        print(HOW_TO_START, file=sys.stderr)
        sys.exit(2)
    return config


def recreate_database(config: dict, drop_only: bool = False) -> None:
    """Drop and create the bench database, from the server's maintenance database."""
    import psycopg
    from psycopg import sql

    params = {"host": config["HOST"], "port": config["PORT"] or 5432,
              "user": config["USER"], "password": config["PASSWORD"], "autocommit": True}
    try:
        conn = psycopg.connect(dbname="postgres", **params)
    except psycopg.OperationalError:
        conn = psycopg.connect(dbname=config["NAME"], **params)
    with conn:
        # FORCE: the WSGI thread may still hold a connection (PostgreSQL 13+).
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(BENCH_DB)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0")
                         .format(sql.Identifier(BENCH_DB)))


def setup_django(config: dict) -> None:
    user, password = config["USER"], config["PASSWORD"]
    os.environ["DATABASE_URL"] = (
        f"postgres://{user}:{password}@{config['HOST']}:{config['PORT'] or 5432}/{BENCH_DB}"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "clearinghouse.settings"
    os.environ["CLEARINGHOUSE_DEBUG"] = "0"  # as in production: no query log, no debug pages
    import django

    django.setup()
    from django.test.utils import override_settings

    override_settings(ROOT_URLCONF="bench.urls").enable()


def start_server():
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = WSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Session:
    """Sequential GETs over one (re-opened when the server closes it) HTTP connection."""

    def __init__(self, port: int, username: str) -> None:
        from django.conf import settings
        from django.test import Client

        from clearinghouse.parties.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        self.client = client  # also used in-process for query counts
        name = settings.SESSION_COOKIE_NAME
        self.cookie = f"{name}={client.cookies[name].value}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> bytes:
        self.conn.request("GET", path, headers={"Cookie": self.cookie, "Host": "127.0.0.1"})
        reply = self.conn.getresponse()
        body = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {reply.status}: {body[:300]!r}")
        return body

    def time(self, path: str, requests: int, warmup: int) -> tuple[float, float, float]:
        """(requests per second, p50 ms, p95 ms)."""
        for _ in range(warmup):
            self.get(path)
        latencies = []
        for _ in range(requests):
            started = time.perf_counter()
            self.get(path)
            latencies.append(time.perf_counter() - started)
        p95 = statistics.quantiles(latencies, n=20)[-1]
        return len(latencies) / sum(latencies), statistics.median(latencies) * 1e3, p95 * 1e3


def queries(client, path: str) -> tuple[int, list[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        reply = client.get(path)
    if reply.status_code != 200:
        raise RuntimeError(f"GET {path}: HTTP {reply.status_code}")
    return len(ctx.captured_queries), [row["id"] for row in reply.json()["results"]]


def run_scale(scale: float, port: int, args, tables: dict) -> bool:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("demo", "--reset", "--seed", str(SEED), "--scale", str(scale), verbosity=0)
    tables["load"].add_row(f"{scale:g}", f"{time.perf_counter() - started:.1f}")
    ok = True
    for label, username in USERS:
        session = Session(port, username)
        for name, query in LISTS:
            counts = {}
            for kind, prefix in (("API", "/api"), ("bare", "/bench")):
                found = {}
                for size in PAGE_SIZES:
                    counts[(kind, size)], found[size] = queries(
                        session.client, f"{prefix}/{name}/?{query}&page_size={size}")
                if kind == "API":
                    api_rows = found[50]
                elif found[50] != api_rows:
                    ok = False
                    print(f"MISMATCH scale {scale:g} {label} {name}: API and bare rows differ",
                          file=sys.stderr)
            for kind in ("API", "bare"):
                series = [counts[(kind, size)] for size in PAGE_SIZES]
                constant = len(set(series)) == 1
                ok &= constant
                tables["queries"].add_row(
                    f"{scale:g}", label, f"{kind} {name}", *map(str, series),
                    "yes" if constant else "[bold red]NO: grows with page size[/]")
            path = f"/{name}/?{query}&page_size=50"
            api = session.time(f"/api{path}", args.requests, args.warmup)
            bare = session.time(f"/bench{path}", args.requests, args.warmup)
            tables["speed"].add_row(
                f"{scale:g}", label, f"{name}?{query}", str(len(api_rows)),
                f"{api[0]:.0f}", f"{api[1]:.1f}", f"{api[2]:.1f}",
                f"{bare[0]:.0f}", f"{bare[1]:.1f}", f"{bare[2]:.1f}", f"{api[1] / bare[1]:.2f}",
            )
    return ok


def make_tables() -> dict:
    from rich.table import Table

    load = Table(title="Demo load: clearinghouse demo --reset (PostgreSQL)", min_width=52)
    for column in ("scale", "seconds"):
        load.add_column(column, justify="right")
    speed = Table(title="GET /api/<list>/?<filter>&page_size=50 (API) beside "
                        "/bench/<list>/?<filter>&page_size=50 (bare), over HTTP, sequential")
    for column in ("scale", "user", "list", "rows", "API req/s", "API p50 ms", "API p95 ms",
                   "bare req/s", "bare p50 ms", "bare p95 ms", "API/bare p50"):
        speed.add_column(column, justify="left" if column in ("user", "list") else "right")
    counts = Table(title="SQL queries per list page (in-process, CaptureQueriesContext)")
    for column in ("scale", "user", "list", *(f"page_size {s}" for s in PAGE_SIZES),
                   "constant"):
        counts.add_column(column, justify="left" if column in ("user", "list") else "right")
    return {"load": load, "speed": speed, "queries": counts}


def main() -> int:
    args = parse_args()
    config = server_config()
    recreate_database(config)
    setup_django(config)
    from django.core.management import call_command
    from django.db import connections
    from rich.console import Console

    console = Console(width=max(Console().width, 170))
    ok, server = True, None
    try:
        call_command("migrate", verbosity=0)
        server = start_server()
        port = server.server_address[1]
        tables = make_tables()
        console.print(f"bench database {BENCH_DB}; WSGI server on 127.0.0.1:{port}; "
                      f"{args.requests} timed requests after {args.warmup} warm-up per case")
        for scale in args.scales:
            console.print(f"scale {scale:g}: loading and measuring...")
            ok &= run_scale(scale, port, args, tables)
        for table in tables.values():
            console.print(table)
    finally:
        if server is not None:
            server.shutdown()
        connections.close_all()
        if not args.keep:
            recreate_database(config, drop_only=True)
    if not ok:
        console.print("[bold red]FAILED: query counts grow with page size, or rows differ[/]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
