"""``clearinghouse demo``: load the 2024 reference scenario (DESIGN.md) for demonstrations.

    clearinghouse demo                    load into an empty database (refuses otherwise)
    clearinghouse demo --if-empty         load only if there are no organisations yet
    clearinghouse demo --reset            delete all domain data first, then load
    clearinghouse demo --seed 7 --scale 10
    clearinghouse demo --no-shipments     the scenario alone: no plan, no shipments

Then the coordinator's plan that began 38 weeks ago is solved (in process, as the worker solves
it) and adopted, and a year of its shipments is played through the services (demo/journey.py).
Same seed and scale give the same data (dates count from today). Every login shares the
password printed at the end.
"""

import io
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clearinghouse.demo import store, tables
from clearinghouse.demo.scenario import counts_for
from clearinghouse.parties.models import User
from clearinghouse.security.roles import Classification


class Command(BaseCommand):
    help = "Load the demo scenario: the 2024 coalition supplying Ukraine, with logins per role."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=2024,
                            help="Random seed (default 2024): same seed, same data.")
        parser.add_argument("--scale", type=float, default=1.0,
                            help="Multiplies needs (800), pledges (2,500), supplier offers "
                                 "(34) and hub capacity; at least 1.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Load only if the database has no organisations yet.")
        parser.add_argument("--reset", action="store_true",
                            help="Delete all domain data (and demo logins) first.")
        parser.add_argument("--no-shipments", action="store_true",
                            help="Load the scenario alone: no adopted plan, no shipments.")

    def handle(self, *args: Any, seed: int, scale: float, if_empty: bool, reset: bool,
               no_shipments: bool = False, **options: Any) -> None:
        verbosity = options.get("verbosity", 1)
        if seed < 0:
            raise CommandError(f"--seed must be zero or positive, not {seed}.")
        if scale < 1:
            raise CommandError(f"--scale must be at least 1, not {scale:g}.")
        if if_empty and reset:
            raise CommandError("--if-empty and --reset exclude each other: choose one.")
        if store.has_data() and not reset:
            if if_empty:
                if verbosity:
                    self.stdout.write("demo data already present: nothing loaded.")
                    self._logins()
                return
            raise CommandError(
                "The database already holds organisations. Use --reset to replace all domain "
                "data with the demo, or --if-empty to load only into an empty database."
            )
        if not reset and (clashes := store.demo_username_clashes()):
            raise CommandError(
                f"Demo login(s) {', '.join(clashes)} already exist; use --reset to replace them."
            )
        needs, pledges = counts_for(scale)
        if verbosity:
            self.stdout.write(f"Loading the demo: seed {seed}, scale {scale:g} "
                              f"({needs:,} needs, {pledges:,} pledges)...")
        with self._progress(verbosity) as progress:
            done = store.load(seed, scale, reset_first=reset, tracker=store.Tracker(progress),
                              shipments=not no_shipments)
        if verbosity:
            summary = ", ".join(f"{n:,} {label}" for label, n in done.counts.items())
            self.stdout.write(self.style.SUCCESS(f"Loaded in {done.seconds:.1f} s: {summary}."))
            if verbosity > 1:
                self.stdout.write(f"digest {store.digest()}")
            self._logins()

    def _progress(self, verbosity: int) -> Progress:
        return Progress(
            TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=Console(file=sys.stderr), disable=verbosity == 0,
            transient=False,
        )

    def _logins(self) -> None:
        table = Table(title=f"Demo logins (password for all: {tables.DEMO_PASSWORD})",
                      title_justify="left", box=box.SIMPLE_HEAD)
        for column in ("username", "role", "organisation", "clearance", "password"):
            table.add_column(column)
        names = [row[0] for row in tables.USERS]
        found = {u.username: u for u in User.objects.filter(username__in=names)
                 .select_related("organisation")}
        for name in names:
            user = found.get(name)
            if user is None:
                continue
            role = ", ".join(user.roles) + (" (superuser)" if user.is_superuser else "")
            table.add_row(user.username, role, user.organisation.name if user.organisation
                          else "", Classification(user.clearance).label, tables.DEMO_PASSWORD)
        # Rendered to text first: Django's OutputWrapper adds a newline to every write.
        buffer = io.StringIO()
        Console(file=buffer, width=140, no_color=True, force_terminal=False).print(table)
        self.stdout.write("\n".join(line.rstrip() for line in buffer.getvalue().splitlines()))
