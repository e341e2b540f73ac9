"""``clearinghouse verify-audit``: walk the history chain (docs/audit.md).

    clearinghouse verify-audit        exit 0: "N entries, chain intact (head N:hash)"
                                      exit 1: the first entry edited, deleted, reordered or
                                      inserted, in plain words
    clearinghouse verify-audit --expect 5777:91132ba9ed8622f0
                                      and the chain still holds a head recorded earlier
"""

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from clearinghouse.core.audit import CHUNK, verify


class Command(BaseCommand):
    help = "Verify the history's hash chain; name the first entry edited, deleted or reordered."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--chunk", type=int, default=CHUNK,
                            help=f"Entries read at a time (default {CHUNK}).")
        parser.add_argument("--expect", metavar="SEQ:HASH",
                            help="A head printed by an earlier run (kept outside the database): "
                                 "the chain must still hold it.")

    def handle(self, *args: Any, chunk: int, expect: str | None = None,
               **options: Any) -> None:
        seq, _, start = (expect or "").partition(":")
        if expect is not None and not (seq.isdigit() and len(start) >= 8):
            raise CommandError(f"--expect takes SEQ:HASH as printed, e.g. 5777:91132ba9ed8622f0,"
                               f" not {expect!r}.")
        console = Console(file=sys.stderr)
        bar = Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), console=console, transient=True,
                       disable=options.get("verbosity", 1) == 0 or not console.is_terminal)
        with bar:
            task = bar.add_task("verifying history", total=None)
            walk = verify(max(chunk, 1),
                          lambda done, total: bar.update(task, completed=done, total=total),
                          expect=(int(seq), start) if expect is not None else None)
        if walk.broken is not None:
            self.stderr.write(walk.summary())
            sys.exit(1)
        self.stdout.write(walk.summary())
