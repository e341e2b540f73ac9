"""Page benchmark on PostgreSQL: server time and SQL queries of each list, start and plan page.

    DATABASE_URL=postgres://... .venv/bin/python bench/pages.py [--scales 1,10] [--requests N]
        [--time-limit S]

For each scale the demo is loaded (``clearinghouse demo --reset``) and a plan of everything is
solved (``--time-limit`` seconds at most) and adopted, into a database of its own,
``clearinghouse_bench_pages`` on the server DATABASE_URL names (created here, dropped at the
end; neither the main database nor bench/api.py's is touched). DEBUG is off.

Server time is measured in process with Django's test Client (the whole WSGI request through
every middleware, template rendering included; no network, no browser): p50 and p95 over
``--requests`` sequential GETs after ``--warmup`` untimed ones, at page_size 50 for lists.
SQL queries per page are counted (CaptureQueriesContext) at page_size 10, 50 and 200 for each
list, as the coordinator and a donor, and once for each role's start page, the adopted plan's
pages (plan list, plan, ask list) and the detail pages of the need and the item with the most
pledges the reader sees, and of one such pledge. Each page's p95 is set against issue 15's
target of 300 ms at scale 10. Exit status 1 if a list's query count grows with its page size or
a page does not answer 200.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.api when run as a script

from bench import api  # noqa: E402  (after the path is set)

api.BENCH_DB = "clearinghouse_bench_pages"  # apart from bench/api.py's database
PAGE_SIZES = (10, 50, 200)
TIMED_PAGE_SIZE = 50
# (label, URL name, query string)
LISTS = (
    ("needs", "needs:list", ""),
    ("pledges", "pledges:list", ""),
    ("stock positions", "pledges:stock-list", ""),
    ("organisations", "parties:list", ""),
    ("catalogue", "catalogue:list", ""),
)
LIST_USERS = (("coordinator", "coordinator"), ("donor rep (DEU)", "deu-rep"))
START_USERS = (
    ("coordinator", "coordinator"),
    ("auditor", "auditor"),
    ("recipient planner", "ukr-planner"),
    ("donor rep (DEU)", "deu-rep"),
    ("hub officer", "hub-rzeszow"),
    ("training officer", "ukr-training"),
    ("administrator", "admin"),
)
# Pages of the adopted plan (solved and adopted once per scale) and the other pages every day
# brings: (label, URL name, who).
PLAN_PAGES = (
    ("plan list", "planning:list", "coordinator"),
    ("plan", "planning:detail", "coordinator"),
    ("ask list", "planning:asks", "coordinator"),
    ("ask list", "planning:asks", "deu-rep"),
    ("ask list, printable", "planning:asks-print", "coordinator"),
    ("help", "help", "deu-rep"),
    ("change feed", "changes", "auditor"),
    ("notices", "notices:inbox", "deu-rep"),
)
TARGET_MS = 300  # issue 15: every list, start page and plan page at demo scale 10


def parse_args() -> argparse.Namespace:
    return api.parse_args(__doc__, requests=50, warmup=5, database=api.BENCH_DB,
                          extra=[(("--time-limit",), {"type": float, "default": 60.0,
                                  "help": "seconds for the solve of the adopted plan"})])


def address(url_name: str) -> str:
    from django.urls import reverse

    return reverse(url_name)


def with_query(path: str, query: str, **params) -> str:
    parts = [p for p in (query, *(f"{k}={v}" for k, v in params.items())) if p]
    return f"{path}?{'&'.join(parts)}" if parts else path


class Browser:
    """A signed-in Django test Client: GETs that must answer 200, timed or counted."""

    def __init__(self, username: str) -> None:
        from django.test import Client

        from clearinghouse.parties.models import User

        self.client = Client()
        self.client.force_login(User.objects.get(username=username))

    def get(self, path: str):
        reply = self.client.get(path)
        if reply.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {reply.status_code}")
        return reply

    def queries(self, path: str) -> tuple[int, int]:
        """(SQL queries, table body rows shown) of one GET of ``path``."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            reply = self.get(path)
        body = reply.content.decode()
        rows = sum(part.split("</tbody>")[0].count("<tr") for part in body.split("<tbody")[1:])
        return len(ctx.captured_queries), rows

    def time(self, path: str, requests: int, warmup: int) -> tuple[float, float]:
        """(p50 ms, p95 ms) of the server's time for ``path``."""
        for _ in range(warmup):
            self.get(path)
        latencies = []
        for _ in range(requests):
            started = time.perf_counter()
            self.get(path)
            latencies.append(time.perf_counter() - started)
        p95 = statistics.quantiles(latencies, n=20)[-1]
        return statistics.median(latencies) * 1e3, p95 * 1e3


def detail_paths(username: str) -> list[tuple[str, str]]:
    """(label, path) of the need and the item type with the most pledges ``username`` sees,
    and of the newest of those pledges: the detail pages that gather the most panels."""
    from django.db.models import Count
    from django.urls import reverse

    from clearinghouse.needs.models import Need
    from clearinghouse.parties.models import User
    from clearinghouse.pledges.models import Pledge

    user = User.objects.get(username=username)
    pledges = Pledge.objects.visible_to(user)
    need = (pledges.filter(need__in=Need.objects.visible_to(user).values("pk")).order_by()
            .values("need").annotate(n=Count("pk")).order_by("-n", "need").first())
    item = (pledges.filter(item_type__isnull=False).order_by().values("item_type")
            .annotate(n=Count("pk")).order_by("-n", "item_type").first())
    found = []
    if need:
        found.append(("need", reverse("needs:detail", args=[need["need"]])))
        pledge = pledges.filter(need=need["need"]).order_by("-pk").values("pk").first()
        found.append(("pledge", reverse("pledges:detail", args=[pledge["pk"]])))
    if item:
        found.append(("item type", reverse("catalogue:detail", args=[item["item_type"]])))
    return found


def adopt_a_plan(time_limit: float) -> tuple[int, float]:
    """Solve a plan of everything as the coordinator, in this process, and adopt it:
    (its id, seconds taken)."""
    from django.db import transaction

    from clearinghouse.parties.models import User
    from clearinghouse.planning import services
    from clearinghouse.planning.models import Plan
    from clearinghouse.planning.tasks import solve_plan

    started = time.perf_counter()
    coordinator = User.objects.get(username="coordinator")
    with transaction.atomic():
        plan = services.run_plan(coordinator, "Bench plan", time_limit=time_limit)
    solve_plan.call(plan.pk)
    plan = Plan.objects.get(pk=plan.pk)
    services.adopt_plan(coordinator, plan, plan.version)
    return plan.pk, time.perf_counter() - started


def within(p95: float) -> str:
    return "yes" if p95 <= TARGET_MS else f"[bold red]NO: over {TARGET_MS} ms[/]"


def run_scale(scale: float, args, tables: dict) -> bool:
    from django.core.management import call_command
    from django.urls import reverse

    started = time.perf_counter()
    call_command("demo", "--reset", "--seed", str(api.SEED), "--scale", str(scale), verbosity=0)
    loaded = time.perf_counter() - started
    plan_id, solved = adopt_a_plan(args.time_limit)
    tables["load"].add_row(f"{scale:g}", f"{loaded:.1f}", f"{solved:.1f}")
    ok = True
    s = f"{scale:g}"
    for user_label, username in LIST_USERS:
        browser = Browser(username)
        for label, url_name, query in LISTS:
            path = address(url_name)
            try:
                counts, rows = zip(*(browser.queries(with_query(path, query, page_size=size))
                                     for size in PAGE_SIZES), strict=True)
                p50, p95 = browser.time(with_query(path, query, page_size=TIMED_PAGE_SIZE),
                                        args.requests, args.warmup)
            except RuntimeError as error:
                ok = False
                tables["lists"].add_row(s, user_label, label, f"[bold red]{error}[/]",
                                        *[""] * 5)
                continue
            constant = len(set(counts)) == 1
            ok &= constant
            tables["lists"].add_row(
                s, user_label, label, with_query(path, query),
                " / ".join(map(str, counts)), " / ".join(map(str, rows)),
                f"{p50:.1f}", f"{p95:.1f}",
                "yes" if constant else "[bold red]NO: grows with page size[/]", within(p95),
            )
    for user_label, username in START_USERS:
        path = address("start")
        browser = Browser(username)
        try:
            count, _ = browser.queries(path)
            p50, p95 = browser.time(path, args.requests, args.warmup)
        except RuntimeError as error:
            ok = False
            tables["start"].add_row(s, user_label, f"[bold red]{error}[/]", "", "", "")
            continue
        tables["start"].add_row(s, user_label, path, str(count), f"{p50:.1f}", f"{p95:.1f}",
                                within(p95))
    for label, url_name, username in PLAN_PAGES:
        path = reverse(url_name, args=[plan_id]) if url_name == "planning:detail" else (
            address(url_name))
        browser = Browser(username)
        try:
            count, _ = browser.queries(path)
            p50, p95 = browser.time(path, args.requests, args.warmup)
        except RuntimeError as error:
            ok = False
            tables["plans"].add_row(s, username, label, f"[bold red]{error}[/]", "", "", "", "")
            continue
        tables["plans"].add_row(s, username, label, path, str(count), f"{p50:.1f}",
                                f"{p95:.1f}", within(p95))
    for user_label, username in LIST_USERS:
        browser = Browser(username)
        for label, path in detail_paths(username):
            try:
                count, _ = browser.queries(path)
                p50, p95 = browser.time(path, args.requests, args.warmup)
            except RuntimeError as error:
                ok = False
                tables["details"].add_row(s, user_label, label, f"[bold red]{error}[/]", "", "",
                                          "")
                continue
            tables["details"].add_row(s, user_label, label, path, str(count), f"{p50:.1f}",
                                      f"{p95:.1f}")
    return ok


def make_tables(args) -> dict:
    from rich.table import Table

    load = Table(title="Demo load (clearinghouse demo --reset) and a plan solved and adopted "
                       "(PostgreSQL)", min_width=52)
    for column in ("scale", "load s", "plan s"):
        load.add_column(column, justify="right")
    lists = Table(title=f"List pages: SQL queries at each page size; server time at page_size "
                        f"{TIMED_PAGE_SIZE} (in-process test Client, {args.requests} sequential "
                        f"GETs after {args.warmup} warm-up)")
    sizes = "/".join(map(str, PAGE_SIZES))
    for column in ("scale", "user", "list", "page", f"queries @{sizes}", f"rows @{sizes}",
                   "p50 ms", "p95 ms", "queries constant", f"p95 ≤ {TARGET_MS} ms"):
        lists.add_column(column, justify="left" if column in ("user", "list", "page")
                         else "right")
    start = Table(title="Start pages: SQL queries and server time (in-process test Client)")
    for column in ("scale", "user", "page", "queries", "p50 ms", "p95 ms", f"≤ {TARGET_MS} ms"):
        start.add_column(column, justify="left" if column in ("user", "page") else "right")
    plans = Table(title="The adopted plan's pages, the feed and the notices: SQL queries and "
                        "server time")
    for column in ("scale", "user", "page", "address", "queries", "p50 ms", "p95 ms",
                   f"≤ {TARGET_MS} ms"):
        plans.add_column(column, justify="left" if column in ("user", "page", "address")
                         else "right")
    details = Table(title="Detail pages: SQL queries and server time (in-process test Client)")
    for column in ("scale", "user", "record", "page", "queries", "p50 ms", "p95 ms"):
        details.add_column(column, justify="left" if column in ("user", "record", "page")
                           else "right")
    return {"load": load, "lists": lists, "start": start, "plans": plans, "details": details}


def main() -> int:
    args = parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        print(api.HOW_TO_START.replace("bench/api.py", "bench/pages.py"), file=sys.stderr)
        return 2
    config = api.server_config()
    api.recreate_database(config)
    api.setup_django(config)
    from django.core.management import call_command
    from django.db import connections
    from rich.console import Console

    console = Console(width=max(Console().width, 170))
    ok = True
    try:
        call_command("migrate", verbosity=0)
        tables = make_tables(args)
        console.print(f"bench database {api.BENCH_DB}; in-process Django test Client; "
                      f"{args.requests} timed requests after {args.warmup} warm-up per page")
        for scale in args.scales:
            console.print(f"scale {scale:g}: loading and measuring...")
            ok &= run_scale(scale, args, tables)
        for table in tables.values():
            console.print(table)
    finally:
        connections.close_all()
        if not args.keep:
            api.recreate_database(config, drop_only=True)
    if not ok:
        console.print("[bold red]FAILED: query counts grow with page size, or a page failed[/]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
