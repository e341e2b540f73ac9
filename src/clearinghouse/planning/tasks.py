"""The background solve of a plan (django-tasks, database backend; ``clearinghouse worker``).

Progress is written to the plan row as the solve goes (phase and percent) so that its page
can show it live; the result is stored in one transaction at the end.

A worker holds a plan under a lease: claiming it (``start``) counts an attempt, and a thread
renews ``heartbeat_at`` every ``HEARTBEAT`` while it solves. A plan whose lease lapsed
(``LEASE`` without a beat: its worker was killed) is put back in the queue once, then failed
with a plain message (``recover_stale_plans``, run by every worker). A plan is stored only by
the worker still holding it: one cancelled or recovered meanwhile keeps what it is.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import task

from clearinghouse.core.lifecycle import transition
from clearinghouse.core.services import fitted
from clearinghouse.logistics.models import Hub

from .models import PLAN_LIFECYCLE, Allocation, Gap, Plan, PlanState, gap_summary
from .road import source_of
from .snapshot import pk_of
from .solver import InstanceError, parse_instance, solve

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=settings.CLEARINGHOUSE_PLAN_LEASE_S)
HEARTBEAT = LEASE / 6  # six beats missed: the worker is gone
MAX_ATTEMPTS = 2
FAILED_WORKER = ("The worker solving this plan stopped before it finished, twice; nothing was "
                 "stored. Run the plan again; if it stops again, tell the platform operator.")
FAILED_SOLVE = ("The solve failed on an internal error; nothing was stored. The platform "
                "operator has the details in the worker's log.")


def _progress(plan_id: int, phase: str, percent: int) -> None:
    Plan.objects.filter(pk=plan_id).update(phase=fitted(Plan, "phase", phase), progress=percent)


class Heartbeat(threading.Thread):
    """Renews the lease of attempt ``attempt`` on plan ``plan_id`` until stopped, or until the
    plan is no longer that attempt's (cancelled, recovered)."""

    def __init__(self, plan_id: int, attempt: int) -> None:
        super().__init__(daemon=True, name=f"heartbeat-plan-{plan_id}")
        self.plan_id, self.attempt, self.done = plan_id, attempt, threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(HEARTBEAT.total_seconds()):
                try:
                    if not _beat(self.plan_id, self.attempt):
                        return
                except DatabaseError:  # a beat missed (locked, reconnecting): try the next
                    log.warning("plan %s: a heartbeat failed", self.plan_id, exc_info=True)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.done.set()
        self.join()


def _beat(plan_id: int, attempt: int) -> bool:
    """Renew the lease; False when the plan is no longer this attempt's."""
    return bool(Plan.objects.filter(pk=plan_id, state=PlanState.RUNNING, attempts=attempt)
                .update(heartbeat_at=timezone.now()))


@task()
def solve_plan(plan_id: int) -> str:
    recover_stale_plans()
    plan = Plan.objects.get(pk=plan_id)
    if plan.state != PlanState.QUEUED:
        return f"plan {plan_id} is {plan.state}; nothing to do"
    attempt = plan.attempts + 1
    plan = transition(plan, PLAN_LIFECYCLE, "start", attempts=attempt,
                      heartbeat_at=timezone.now())
    beating = Heartbeat(plan_id, attempt)
    beating.start()
    try:
        _solve(plan, attempt)
    finally:
        beating.stop()
    return Plan.objects.get(pk=plan_id).state


def solve_here(plan: Plan) -> Plan:
    """Solve a queued plan in this process and in the caller's transaction, without the
    worker's lease and heartbeat (which write from a thread of their own): for tests and
    tools that hold a transaction open. A worker solves every plan a person runs."""
    plan = transition(plan, PLAN_LIFECYCLE, "start", attempts=plan.attempts + 1,
                      heartbeat_at=timezone.now())
    _solve(plan, plan.attempts)
    return Plan.objects.get(pk=plan.pk)


def _solve(plan: Plan, attempt: int) -> None:
    plan_id = plan.pk
    _progress(plan_id, "checking the snapshot", 5)
    try:
        inst = parse_instance(plan.instance)
        result = solve(inst, time_limit=plan.time_limit_s, gap=plan.gap_target,
                       progress=lambda phase, percent: _progress(plan_id, phase, percent))
        _progress(plan_id, "explaining the gaps", 80)
        doc = result.to_plan()
        _progress(plan_id, "storing the plan", 90)
        if store_plan(plan_id, doc, result.stats, attempt) is not None:
            _progress(plan_id, "solved", 100)
    except InstanceError as exc:
        _fail(plan_id, attempt, f"The snapshot is not a valid instance: {exc}")
    except Exception:  # the plan must say it failed, whatever failed; the log has the why
        log.exception("plan %s failed", plan_id)
        _fail(plan_id, attempt, FAILED_SOLVE)


def _fail(plan_id: int, attempt: int | None, message: str) -> None:
    """Fail the plan, if it is still ``attempt``'s (any attempt's, with None)."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan_id)
        if plan.state not in (PlanState.QUEUED, PlanState.RUNNING) or (
                attempt is not None and plan.attempts != attempt):
            return
        transition(plan, PLAN_LIFECYCLE, "fail", error=message, finished_at=timezone.now())
    _progress(plan_id, "failed", 100)


def recover_stale_plans(now=None) -> int:
    """Plans whose worker stopped beating for ``LEASE``: back in the queue for another
    worker, or failed after ``MAX_ATTEMPTS``. Returns how many were recovered."""
    now = now or timezone.now()
    stale = list(Plan.objects.filter(state=PlanState.RUNNING, heartbeat_at__lt=now - LEASE)
                 .values_list("pk", "attempts"))
    for plan_id, attempts in stale:
        if attempts >= MAX_ATTEMPTS:
            _fail(plan_id, attempts, FAILED_WORKER)
        elif _requeue(plan_id, attempts, now):
            transaction.on_commit(lambda pk=plan_id: solve_plan.enqueue(pk))
    return len(stale)


def _requeue(plan_id: int, attempts: int, now) -> bool:
    with transaction.atomic():
        plan = Plan.objects.select_for_update().filter(
            pk=plan_id, state=PlanState.RUNNING, attempts=attempts,
            heartbeat_at__lt=now - LEASE).first()
        if plan is None:  # another worker recovered it, or it beat again
            return False
        transition(plan, PLAN_LIFECYCLE, "requeue", heartbeat_at=None,
                   phase="queued again: its worker stopped", progress=0)
    return True


def recover_forever(every: timedelta = HEARTBEAT) -> None:
    """The sweep each worker runs beside its queue (``clearinghouse worker``)."""
    while True:
        close_old_connections()
        try:
            recover_stale_plans()
        except Exception:  # a sweep that fails is tried again at the next beat
            log.exception("recovering stale plans failed")
        threading.Event().wait(every.total_seconds())


@transaction.atomic
def store_plan(plan_id: int, doc: dict, stats: dict, attempt: int | None = None) -> Plan | None:
    """Store a solved plan document (``clearinghouse-plan/1``) on ``plan_id``, if the plan is
    still ``attempt``'s to store (None: whatever attempt); else nothing, and None."""
    plan = Plan.objects.select_for_update().get(pk=plan_id)
    if plan.state != PlanState.RUNNING or (attempt is not None and plan.attempts != attempt):
        return None
    hubs = {h["id"] for h in plan.instance["hubs"]}
    hub_pk = dict(Hub.objects.filter(code__in=hubs).values_list("code", "pk"))
    due = {n["id"]: n["due_week"] for n in plan.instance["needs"]}
    rows = []
    for a in doc["allocations"]:
        source = (source_of(a["pledge"]) if "pledge" in a else
                  {"fund_id": pk_of(a["fund"]), "offer_id": pk_of(a["offer"])})
        if source is None:
            continue  # a what-if's hypothetical pledge: compared, never stored as binding
        rows.append(Allocation(
            plan=plan, need_id=pk_of(a["need"]), hub_id=hub_pk[a["hub"]], **source,
            ship_week=a["ship_week"], arrival_week=a["arrival_week"],
            quantity=round(a["quantity"], 6),  # LP noise (19.9999999997) is not a quantity
            value=a["value"], fixed=bool(a.get("fixed")),
            on_time=a["arrival_week"] <= due[a["need"]],
        ))
    Allocation.objects.bulk_create(rows, batch_size=2000)
    Gap.objects.bulk_create(
        [Gap(plan=plan, need_id=pk_of(u["need"]), missing=u["missing"], late=u["late"],
             reasons=u["reasons"], **dict(zip(("codes", "ready_by_week"),
                                              gap_summary(u["reasons"]), strict=True)))
         for u in doc["unmet"]],
        batch_size=2000,
    )
    stats = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
    hypothetical = sum(a["value"] for a in doc["allocations"]
                       if "pledge" in a and source_of(a["pledge"]) is None)
    if hypothetical:
        stats["hypothetical_value"] = hypothetical
    return transition(
        plan, PLAN_LIFECYCLE, "finish", status=doc["status"], value=doc["value"],
        coverage=doc["coverage"], bound=doc["bound"], lp_bound=doc.get("lp_bound"),
        gap=doc.get("gap"), greedy_value=doc.get("greedy_value"), seconds=doc.get("seconds"),
        stats=stats, finished_at=timezone.now(),
        note=fitted(Plan, "note", "; ".join(filter(None, (plan.note, doc.get("note", ""))))),
    )
