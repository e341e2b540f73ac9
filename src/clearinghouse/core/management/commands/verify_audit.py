"""``clearinghouse verify-audit``: walk the history chain (docs/audit.md).

    clearinghouse verify-audit        exit 0: "N entries, chain intact (head …)"
                                      exit 1: the first entry edited, deleted, reordered or
                                      inserted, in plain words
"""

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from clearinghouse.core.audit import CHUNK, verify


class Command(BaseCommand):
    help = "Verify the history's hash chain; name the first entry edited, deleted or reordered."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--chunk", type=int, default=CHUNK,
                            help=f"Entries read at a time (default {CHUNK}).")

    def handle(self, *args: Any, chunk: int, **options: Any) -> None:
        console = Console(file=sys.stderr)
        bar = Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), console=console, transient=True,
                       disable=options.get("verbosity", 1) == 0 or not console.is_terminal)
        with bar:
            task = bar.add_task("verifying history", total=None)
            walk = verify(max(chunk, 1),
                          lambda done, total: bar.update(task, completed=done, total=total))
        if walk.broken is not None:
            self.stderr.write(walk.summary())
            sys.exit(1)
        self.stdout.write(walk.summary())
