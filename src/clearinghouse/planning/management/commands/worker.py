"""``clearinghouse worker``: the worker that solves plans, with the sweep that recovers plans
whose worker died (planning/tasks.py). Takes db_worker's options."""

import threading

from django_tasks_db.management.commands.db_worker import Command as DbWorker

from clearinghouse.planning.tasks import recover_forever


class Command(DbWorker):
    help = "Solve queued plans, and recover those whose worker stopped (db_worker's options)."

    def handle(self, *args, **options) -> None:
        if not options.get("batch"):
            threading.Thread(target=recover_forever, daemon=True, name="recover-plans").start()
        super().handle(*args, **options)
