"""``clearinghouse export-instance``: the database as the coordinator sees it, as an instance
file that ``clearinghouse solve`` reads (the coordinator's reproducible case)."""

import json
import sys
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clearinghouse.planning.snapshot import take_snapshot
from clearinghouse.security.predicates import is_coordinator


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--start: '{text}' is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Write the current needs, pledges, funds, offers, hubs and routes as an instance file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", required=True,
                            help="The coordinator whose view is exported (every read is "
                                 "filtered by what this user may see).")
        parser.add_argument("--out", help="Write here instead of standard output.")
        parser.add_argument("--start", type=_date, help="Week 1's date (default: this week).")
        parser.add_argument("--horizon", type=int, default=52, help="Weeks planned (1–520).")

    def handle(self, *args: Any, user: str, out: str | None, start: date | None, horizon: int,
               **options: Any) -> None:
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"--user: no active user '{user}'.")
        if not is_coordinator(account):
            raise CommandError(f"--user: '{user}' is not a coordinator.")
        if not 1 <= horizon <= 520:
            raise CommandError("--horizon: must be from 1 to 520 weeks.")
        snap = take_snapshot(account, start, horizon)
        text = json.dumps(snap.instance, indent=1) + "\n"
        for line in snap.left_out:
            self.stderr.write(f"left out: {line}")
        if out:
            with open(out, "w") as f:
                f.write(text)
            i = snap.instance
            self.stderr.write(f"{out}: {len(i['needs'])} needs, {len(i['pledges'])} pledges, "
                              f"{len(i['funds'])} funds, {len(i['offers'])} offers, "
                              f"{len(i['hubs'])} hubs, {len(i['fixed'])} fixed allocations")
        else:
            sys.stdout.write(text)
