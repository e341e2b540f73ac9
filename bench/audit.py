"""History chain benchmark: what the chain costs on writes, and how fast verify-audit walks it.

    .venv/bin/python bench/audit.py [--scale 1] [--saves 300] [--rounds 3]
    DATABASE_URL=postgres://... .venv/bin/python bench/audit.py   (on PostgreSQL)

One database of its own: SQLite in a temporary folder, or ``clearinghouse_bench_audit`` on the
server DATABASE_URL names (created here, dropped at the end). In the same run, each write path
is timed with the chain and without it (the link step switched off, nothing else changed), in
alternating rounds; the median round counts:

- single saves: ``--saves`` needs edited and saved one by one, each its own transaction;
- bulk update: every need moved in one ``bulk_update_with_history`` (the lifecycle's path);
- bulk create: the demo loaded (``bulk_create_with_history``), at ``--scale``;
- API edits: each draft need edited by its planner through ``PATCH /api/needs/{id}/`` (the
  whole request in-process: rules, validation, the versioned save, history).

Then ``verify`` walks the chain the demo load wrote: entries per second. Queries per single save
are counted too.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "clearinghouse_bench_audit"


def setup(tmp: str) -> str:
    """Django on a database of its own; returns the database's name for the report."""
    os.environ["CLEARINGHOUSE_VAR"] = tmp
    os.environ["DJANGO_SETTINGS_MODULE"] = "clearinghouse.settings"
    os.environ["CLEARINGHOUSE_DEBUG"] = "0"
    os.environ["CLEARINGHOUSE_USER_RATE"] = "1000000/minute"  # the API edits, back to back
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        recreate(url)
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + BENCH_DB
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def recreate(url: str, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(BENCH_DB)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0")
                         .format(sql.Identifier(BENCH_DB)))


@contextmanager
def chain(on: bool):
    """The link step as written, or switched off: the baseline is the same code without it."""
    from clearinghouse.core import chain as module

    kept = module.link_new
    if not on:
        module.link_new = lambda *args, **kwargs: None
    try:
        yield
    finally:
        module.link_new = kept


def single_saves(ids: list[int]) -> float:
    from clearinghouse.needs.models import Need

    started = time.perf_counter()
    for n, pk in enumerate(ids):
        need = Need.objects.get(pk=pk)
        need.justification = f"benchmark edit {n} {time.perf_counter()}"
        need.save()
    return time.perf_counter() - started


def api_edits(client, ids: list[int]) -> float:
    """Each need edited through the API as its planner would (PATCH with the version read)."""
    from clearinghouse.needs.models import Need

    started = time.perf_counter()
    for pk in ids:
        version = Need.objects.filter(pk=pk).values_list("version", flat=True).get()
        reply = client.patch(f"/api/needs/{pk}/", {"justification": f"edit {time.time()}",
                                                   "version": version},
                             content_type="application/json")
        if reply.status_code != 200:
            raise RuntimeError(f"PATCH need {pk}: {reply.status_code} {reply.content[:200]}")
    return time.perf_counter() - started


def bulk_update(ids: list[int]) -> float:
    from django.db import transaction
    from simple_history.utils import bulk_update_with_history

    from clearinghouse.needs.models import Need

    started = time.perf_counter()
    with transaction.atomic():
        needs = list(Need.objects.filter(pk__in=ids).select_for_update())
        for need in needs:
            need.version += 1
        bulk_update_with_history(needs, Need, ["version"], batch_size=500)
    return time.perf_counter() - started


def demo_load(scale: float) -> float:
    from clearinghouse.demo import store

    started = time.perf_counter()
    store.load(2024, scale, reset_first=True)
    return time.perf_counter() - started


def queries_per_save(pk: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        single_saves([pk])
    return len(queries)


def compare(label: str, rounds: int, run) -> tuple[str, float, float]:
    on, off = [], []
    for _ in range(rounds):
        with chain(False):
            off.append(run())
        with chain(True):
            on.append(run())
    return label, statistics.median(on), statistics.median(off)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale (at least 1)")
    parser.add_argument("--saves", type=int, default=300, help="single saves per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per case, each way")
    args = parser.parse_args()
    if args.scale < 1 or args.saves < 1 or args.rounds < 1:
        parser.error("--scale must be at least 1, --saves and --rounds at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        vendor = setup(tmp)
        try:
            return run(args, vendor)
        finally:
            from django.db import connections

            connections.close_all()
            if vendor == "postgresql":
                recreate(os.environ["DATABASE_URL"], drop_only=True)


def run(args: argparse.Namespace, vendor: str) -> int:
    from clearinghouse.core.audit import verify
    from clearinghouse.needs.models import Need

    print(f"History chain benchmark on {vendor}: demo scale {args.scale:g}, "
          f"{args.saves} single saves, median of {args.rounds} rounds each way")
    with chain(True):
        demo_load(args.scale)
    started = time.perf_counter()
    walk = verify()
    walked = time.perf_counter() - started
    if walk.broken is not None:
        print(f"verify failed: {walk.summary()}")
        return 1
    print(f"verify: {walk.entries:,} entries in {walked:.2f} s = "
          f"{walk.entries / walked:,.0f} entries/s")

    rows = [compare("demo load (bulk create)", args.rounds, lambda: demo_load(args.scale))]
    ids = list(Need.objects.order_by("pk").values_list("pk", flat=True))
    rows.append(compare(f"bulk update, {len(ids):,} needs", args.rounds,
                        lambda: bulk_update(ids)))
    rows.append(compare(f"single saves, {args.saves}", args.rounds,
                        lambda: single_saves(ids[:args.saves])))
    from django.test import Client

    from clearinghouse.needs.models import NeedState
    from clearinghouse.parties.models import User

    planner = User.objects.get(username="ukr-planner")
    client = Client()
    client.force_login(planner)
    drafts = list(Need.objects.visible_to(planner).filter(state=NeedState.DRAFT)
                  .values_list("pk", flat=True))
    rows.append(compare(f"API edits, {len(drafts)} needs", args.rounds,
                        lambda: api_edits(client, drafts)))
    with chain(False):
        off_queries = queries_per_save(ids[0])
    on_queries = queries_per_save(ids[0])

    print(f"{'write path':<28}{'chain s':>10}{'baseline s':>12}{'ratio':>8}")
    for label, on, off in rows:
        print(f"{label:<28}{on:>10.3f}{off:>12.3f}{on / off:>8.2f}")
    single, api = rows[-2], rows[-1]
    print(f"single save: {single[1] / args.saves * 1000:.2f} ms with the chain, "
          f"{single[2] / args.saves * 1000:.2f} ms without; queries per save "
          f"{on_queries} with, {off_queries} without")
    print(f"API edit: {api[1] / len(drafts) * 1000:.2f} ms with the chain, "
          f"{api[2] / len(drafts) * 1000:.2f} ms without")
    return 0


if __name__ == "__main__":
    sys.exit(main())
