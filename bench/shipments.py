"""Shipments benchmark on PostgreSQL: a year of the demo's shipment events played through the
API, and the server time of the hub's board, a need's tracker and the timeline at that volume.

    DATABASE_URL=postgres://... .venv/bin/python bench/shipments.py [--scales 1,10]
        [--requests N] [--no-baseline]

For each scale the demo's scenario is loaded (``clearinghouse demo --reset --no-shipments``)
into a database of its own, ``clearinghouse_bench_shipments`` (created here, dropped at the
end). Then the demo's year is played (``demo/journey.py``: its plan solved and adopted, its
shipments made, every shipment's journey by the party taking each step) with each step sent
over HTTP to a real WSGI server in a thread on 127.0.0.1, one request at a time, as the user of
that party with an API key: events (steps, counts, verifications, delays, resolutions) per
second. The baseline, in the same run, plays the same year again through the services in this
process (the demo's own way, one transaction): the ratio is what the API costs per event.
The API's rate limit is lifted for the run (CLEARINGHOUSE_USER_RATE).

Then, at that volume, the server time (in-process test Client, p50 and p95 over ``--requests``
GETs after ``--warmup``) and SQL queries of the busiest hub's page (as its officer and as the
coordinator), the page of the need with the most shipments (as the coordinator and as its
receiving unit's officer), the timeline by need and by hub, and the shipments list, each set
against issue 16's target of 300 ms at scale 10. Exit status 1 if a step fails or a page does
not answer 200.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api  # noqa: E402
from bench.pages import Browser, within  # noqa: E402

api.BENCH_DB = "clearinghouse_bench_shipments"
os.environ["CLEARINGHOUSE_USER_RATE"] = "100000000/minute"  # the benchmark measures, not throttles


class ApiActor:
    """The journey's steps as API calls (demo/journey.py ``Services``'s methods), each as the
    user of the party, over one HTTP connection; counts the calls and their time."""

    def __init__(self, port: int) -> None:
        import http.client

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.keys: dict[int, str] = {}
        self.calls, self.seconds, self.failures = 0, 0.0, []

    def _key(self, user) -> str:
        from clearinghouse.parties.models import ApiToken

        if user.pk not in self.keys:
            self.keys[user.pk] = ApiToken.issue(user, name="shipments benchmark", days=1)[1]
        return self.keys[user.pk]

    def _post(self, user, path: str, body: dict) -> None:
        data = json.dumps(body, default=str).encode()
        headers = {"Authorization": f"Token {self._key(user)}", "Host": "127.0.0.1",
                   "Content-Type": "application/json"}
        started = time.perf_counter()
        self.conn.request("POST", f"/api/{path}", body=data, headers=headers)
        reply = self.conn.getresponse()
        answer = reply.read()
        self.seconds += time.perf_counter() - started
        self.calls += 1
        if reply.status != 200:
            self.failures.append(f"POST /api/{path}: HTTP {reply.status}: {answer[:300]!r}")

    def _step(self, user, s, path: str, body: dict):
        from clearinghouse.shipments.models import Shipment

        self._post(user, f"shipments/{s.pk}/{path}/", {"version": s.version, **body})
        return Shipment.objects.get(pk=s.pk)

    def step(self, user, s, action, on, shipped=None, note=""):
        body = {"happened_on": on, "note": note}
        if shipped:
            body["shipped"] = {str(k): str(v) for k, v in shipped.items()}
        return self._step(user, s, action.replace("_", "-"), body)

    def receive(self, user, s, counts, on):
        return self._step(user, s, "receive", {"happened_on": on, "counts": {
            str(k): {f: str(v) for f, v in c.items()} for k, c in counts.items()}})

    def verify(self, user, s, on):
        return self._step(user, s, "verify", {"happened_on": on})

    def delay(self, user, s, hub_on, note):
        return self._step(user, s, "delay", {"hub_on": hub_on, "note": note})

    def resolve(self, user, d, how, note):
        self._post(user, f"discrepancies/{d.pk}/resolve/",
                   {"version": d.version, "resolution": how, "note": note})


def events_since(first_pk: int) -> int:
    """Events recorded by the journey's steps (not the shipments' "planned" events)."""
    from clearinghouse.shipments.models import Discrepancy, ShipmentEvent

    steps = ShipmentEvent.objects.filter(pk__gt=first_pk).exclude(kind="planned").count()
    return steps + Discrepancy.objects.filter(state="resolved").count()


def play(scale: float, actor, progress) -> tuple[int, float]:
    """The demo's year through ``actor`` (None: the services): (events, seconds)."""
    from django.core.management import call_command

    from clearinghouse.demo import journey
    from clearinghouse.shipments.models import ShipmentEvent

    call_command("demo", "--reset", "--no-shipments", "--seed", str(api.SEED), "--scale",
                 str(scale), verbosity=0)
    task = progress.add_task(f"scale {scale:g}, {'API' if actor else 'services'}", total=None)
    state = {}

    def planned(count: int) -> None:
        state["first"] = ShipmentEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
        state["started"] = time.perf_counter()
        progress.update(task, total=count, completed=0)

    journey.play(api.SEED, advance=lambda n: progress.advance(task, n) if "started" in state
                 else None, planned=planned, actor=actor)
    seconds = time.perf_counter() - state["started"]
    progress.update(task, visible=False)
    return events_since(state["first"]), seconds


def pages_to_time() -> list[tuple[str, str, str]]:
    """(label, path, username) of the pages the issue names, at their busiest."""
    from django.db.models import Count
    from django.urls import reverse

    from clearinghouse.parties.models import User
    from clearinghouse.security.roles import Role
    from clearinghouse.shipments.models import Shipment, ShipmentLine

    hub = (Shipment.objects.order_by().values("hub", "hub__owner").annotate(n=Count("pk"))
           .order_by("-n", "hub").first())
    need = (ShipmentLine.objects.order_by().values("need", "shipment__receiving_unit")
            .annotate(n=Count("shipment")).order_by("-n", "need").first())
    officer = {u.organisation_id: u.username for u in User.objects.filter(
        organisation__isnull=False).order_by("-pk") if Role.LOGISTICS_OFFICER in (u.roles or [])}
    hub_page = reverse("shipments:hub", args=[hub["hub"]])
    need_page = reverse("needs:detail", args=[need["need"]])
    timeline = reverse("shipments:timeline")
    return [
        ("hub board", hub_page, officer[hub["hub__owner"]]),
        ("hub board", hub_page, "coordinator"),
        ("need tracker", need_page, "coordinator"),
        ("need tracker", need_page, officer[need["shipment__receiving_unit"]]),
        ("timeline by need", f"{timeline}?by=need", "coordinator"),
        ("timeline by hub", f"{timeline}?by=hub", "coordinator"),
        ("shipments list", reverse("shipments:list"), "coordinator"),
        ("start page", reverse("start"), officer[hub["hub__owner"]]),
    ]


def run_scale(scale: float, port: int, args, tables: dict, progress) -> bool:
    from clearinghouse.shipments.models import Shipment

    actor = ApiActor(port)
    events, seconds = play(scale, actor, progress)
    ok = not actor.failures
    for failure in actor.failures[:5]:
        print(failure, file=sys.stderr)
    shipments = Shipment.objects.count()
    rate = events / seconds
    row = [f"{scale:g}", f"{shipments:,}", f"{events:,}", f"{actor.calls:,}", f"{seconds:.1f}",
           f"{rate:.1f}", f"{actor.seconds / max(actor.calls, 1) * 1e3:.1f}"]
    for label, path, username in pages_to_time():
        browser = Browser(username)
        try:
            count, _ = browser.queries(path)
            p50, p95 = browser.time(path, args.requests, args.warmup)
        except RuntimeError as error:
            ok = False
            tables["pages"].add_row(f"{scale:g}", username, label, f"[bold red]{error}[/]",
                                    "", "", "", "")
            continue
        tables["pages"].add_row(f"{scale:g}", username, label, path, str(count), f"{p50:.1f}",
                                f"{p95:.1f}", within(p95))
    if args.baseline:
        base_events, base_seconds = play(scale, None, progress)
        base_rate = base_events / base_seconds
        row += [f"{base_rate:.1f}", f"{rate / base_rate:.2f}"]
    else:
        row += ["", ""]
    tables["events"].add_row(*row)
    return ok


def make_tables(args) -> dict:
    from rich.table import Table

    events = Table(title="A year of the demo's shipments played through the API (one request "
                         "at a time, real WSGI server, PostgreSQL); baseline: the same through "
                         "the services in process")
    for column in ("scale", "shipments", "events", "API calls", "seconds", "events/s (API)",
                   "ms per call", "events/s (services)", "API / services"):
        events.add_column(column, justify="right")
    pages = Table(title=f"Pages at that volume: SQL queries and server time (in-process test "
                        f"Client, {args.requests} GETs after {args.warmup} warm-up)")
    for column in ("scale", "user", "page", "address", "queries", "p50 ms", "p95 ms",
                   "≤ 300 ms"):
        pages.add_column(column, justify="left" if column in ("user", "page", "address")
                         else "right")
    return {"events": events, "pages": pages}


def main() -> int:
    args = api.parse_args(__doc__, requests=30, warmup=3, database=api.BENCH_DB, extra=[
        (("--no-baseline",), {"dest": "baseline", "action": "store_false",
                              "help": "skip playing the year again through the services"})])
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        print(api.HOW_TO_START.replace("bench/api.py", "bench/shipments.py"), file=sys.stderr)
        return 2
    config = api.server_config()
    api.recreate_database(config)
    api.setup_django(config)
    from django.core.management import call_command
    from django.db import connections
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(width=max(Console().width, 170))
    ok = True
    try:
        call_command("migrate", verbosity=0)
        server = api.start_server()
        tables = make_tables(args)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            for scale in args.scales:
                ok &= run_scale(scale, server.server_port, args, tables, progress)
        for table in tables.values():
            console.print(table)
    finally:
        connections.close_all()
        if not args.keep:
            api.recreate_database(config, drop_only=True)
    if not ok:
        console.print("[bold red]FAILED: a step through the API or a page failed[/]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
