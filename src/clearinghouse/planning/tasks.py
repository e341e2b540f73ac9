"""The background solve of a plan (django-tasks, database backend; ``clearinghouse db_worker``).

Progress is written to the plan row as the solve goes (phase and percent) so that its page
can show it live; the result is stored in one transaction at the end.
"""

from __future__ import annotations

import logging
import traceback

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from clearinghouse.core.lifecycle import transition
from clearinghouse.logistics.models import Hub

from .models import PLAN_LIFECYCLE, Allocation, Gap, Plan, PlanState
from .snapshot import pk_of
from .solver import InstanceError, parse_instance, solve

log = logging.getLogger(__name__)


def _progress(plan_id: int, phase: str, percent: int) -> None:
    Plan.objects.filter(pk=plan_id).update(phase=phase, progress=percent)


@task()
def solve_plan(plan_id: int) -> str:
    plan = Plan.objects.get(pk=plan_id)
    if plan.state != PlanState.QUEUED:
        return f"plan {plan_id} is {plan.state}; nothing to do"
    plan = transition(plan, PLAN_LIFECYCLE, "start")
    _progress(plan_id, "checking the snapshot", 5)
    try:
        inst = parse_instance(plan.instance)
        result = solve(inst, time_limit=plan.time_limit_s, gap=plan.gap_target,
                       progress=lambda phase, percent: _progress(plan_id, phase, percent))
        _progress(plan_id, "explaining the gaps", 80)
        doc = result.to_plan()
        _progress(plan_id, "storing the plan", 90)
        store_plan(plan_id, doc, result.stats)
        _progress(plan_id, "solved", 100)
    except InstanceError as exc:
        _fail(plan_id, f"The snapshot is not a valid instance: {exc}")
    except Exception:  # the plan must say it failed, whatever failed
        log.exception("plan %s failed", plan_id)
        _fail(plan_id, "The solve failed: " + traceback.format_exc(limit=3)[-1500:])
    return Plan.objects.get(pk=plan_id).state


def _fail(plan_id: int, message: str) -> None:
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan_id)
        transition(plan, PLAN_LIFECYCLE, "fail", error=message, finished_at=timezone.now())
    _progress(plan_id, "failed", 100)


@transaction.atomic
def store_plan(plan_id: int, doc: dict, stats: dict) -> Plan:
    """Store a solved plan document (``clearinghouse-plan/1``) on ``plan_id``."""
    plan = Plan.objects.select_for_update().get(pk=plan_id)
    hubs = {h["id"] for h in plan.instance["hubs"]}
    hub_pk = dict(Hub.objects.filter(code__in=hubs).values_list("code", "pk"))
    rows = []
    for a in doc["allocations"]:
        if "pledge" in a and not a["pledge"].startswith("P"):
            continue  # a what-if's hypothetical pledge: compared, never stored as binding
        rows.append(Allocation(
            plan=plan, need_id=pk_of(a["need"]), hub_id=hub_pk[a["hub"]],
            pledge_id=pk_of(a["pledge"]) if "pledge" in a else None,
            fund_id=pk_of(a["fund"]) if "fund" in a else None,
            offer_id=pk_of(a["offer"]) if "offer" in a else None,
            ship_week=a["ship_week"], arrival_week=a["arrival_week"],
            quantity=round(a["quantity"], 6),  # LP noise (19.9999999997) is not a quantity
            value=a["value"], fixed=bool(a.get("fixed")),
        ))
    Allocation.objects.bulk_create(rows, batch_size=2000)
    Gap.objects.bulk_create(
        [Gap(plan=plan, need_id=pk_of(u["need"]), missing=u["missing"], late=u["late"],
             reasons=u["reasons"]) for u in doc["unmet"]],
        batch_size=2000,
    )
    stats = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
    hypothetical = sum(a["value"] for a in doc["allocations"]
                       if "pledge" in a and not a["pledge"].startswith("P"))
    if hypothetical:
        stats["hypothetical_value"] = hypothetical
    return transition(
        plan, PLAN_LIFECYCLE, "finish", status=doc["status"], value=doc["value"],
        coverage=doc["coverage"], bound=doc["bound"], lp_bound=doc.get("lp_bound"),
        gap=doc.get("gap"), greedy_value=doc.get("greedy_value"), seconds=doc.get("seconds"),
        stats=stats, finished_at=timezone.now(),
        note="; ".join(filter(None, (plan.note, doc.get("note", ""))))[:300],
    )
