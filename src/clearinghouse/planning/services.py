"""The planning domain's verbs: run a plan or a what-if, adopt a plan, pin and forbid.

Each is one transaction. Solving itself happens in the worker (``tasks.py``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.utils import timezone

from clearinghouse.core.errors import DomainError
from clearinghouse.core.lifecycle import save_versioned, transition, transition_all
from clearinghouse.core.notices import notify
from clearinghouse.core.services import fitted, require
from clearinghouse.needs.models import NEED_LIFECYCLE, Need, NeedState
from clearinghouse.parties.models import User
from clearinghouse.pledges.models import PLEDGE_LIFECYCLE, Pledge, PledgeState

from .models import PLAN_LIFECYCLE, Allocation, Plan, PlanKind, PlanRule, PlanState, RuleKind
from .notices import adoption_notices
from .snapshot import changes_since, fingerprint, take_snapshot
from .variants import apply_changes

EPS = 1e-6


def _check_limits(horizon, time_limit, gap) -> None:
    if not 1 <= horizon <= 520:
        raise DomainError("horizon_weeks", "The horizon is 1 to 520 weeks.")
    if not 0.1 <= time_limit <= 3600:
        raise DomainError("time_limit_s", "The time limit is 0.1 to 3,600 seconds.")
    if not 0 <= gap < 1:
        raise DomainError("gap_target", "The relative gap is at least 0 and below 1.")


def _enqueue(plan: Plan) -> Plan:
    from .tasks import solve_plan

    transaction.on_commit(lambda: solve_plan.enqueue(plan.pk))
    return plan


@transaction.atomic
def run_plan(user: User, name: str = "", start: date | None = None, horizon: int = 52,
             time_limit: float = 60.0, gap: float = 1e-4, *, enqueue: bool = True) -> Plan:
    """Snapshot what the coordinator sees now and queue the solve. ``enqueue=False``: the
    caller solves it in process (``tasks.solve_plan.call``), as the demo does."""
    require(user, "planning.add_plan")
    _check_limits(horizon, time_limit, gap)
    snap = take_snapshot(user, start, horizon, name)
    plan = Plan.objects.create(
        owner=user.organisation, name=name or snap.instance["name"], kind=PlanKind.PLAN,
        start_date=snap.instance["start_date"], horizon_weeks=horizon, time_limit_s=time_limit,
        gap_target=gap, instance=snap.instance, fingerprint=snap.fingerprint,
        left_out=snap.left_out, created_by=user,
    )
    return _enqueue(plan) if enqueue else plan


@transaction.atomic
def run_what_if(user: User, base: Plan, changes: list, name: str = "") -> Plan:
    """A variant of ``base``'s snapshot with ``changes``, solved beside it for comparison."""
    require(user, "planning.add_plan")
    if base.state not in (PlanState.SOLVED, PlanState.ADOPTED, PlanState.SUPERSEDED):
        raise DomainError("base", "A what-if starts from a solved plan.")
    instance = apply_changes(base.instance, changes)
    plan = Plan.objects.create(
        owner=user.organisation, name=name or fitted(Plan, "name", f"What if: {base.name}"),
        kind=PlanKind.WHAT_IF,
        base=base, changes=changes, start_date=base.start_date, horizon_weeks=base.horizon_weeks,
        time_limit_s=base.time_limit_s, gap_target=base.gap_target, instance=instance,
        fingerprint=base.fingerprint, created_by=user,
    )
    return _enqueue(plan)


@transaction.atomic
def cancel_plan(user: User, plan: Plan, version: int | None) -> Plan:
    """Stop a queued or running plan: it fails, saying who cancelled it; a worker solving it
    stores nothing (it no longer holds the plan)."""
    require(user, "planning.cancel_plan", plan)
    name = user.get_full_name() or user.username
    return transition(plan, PLAN_LIFECYCLE, "cancel", version,
                      error=f"Cancelled by {name} on {timezone.localdate():%-d %b %Y}.",
                      finished_at=timezone.now(), phase="cancelled")


@transaction.atomic
def adopt_plan(user: User, plan: Plan, version: int | None) -> Plan:
    """Make ``plan``'s allocations binding: pledges ``allocated`` (or released), needs
    ``open``, ``partly covered`` or ``covered``. All or nothing; a stale plan is refused."""
    require(user, "planning.adopt_plan", plan)
    if plan.kind != PlanKind.PLAN:
        raise DomainError("kind", "A what-if is for comparison; run a plan with the change "
                                  "made in the records to adopt it.")
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    PLAN_LIFECYCLE.check(plan.state, "adopt")
    stale = changes_since(plan.fingerprint, fingerprint(user))
    if stale:
        shown = "; ".join(stale[:5]) + (f"; and {len(stale) - 5} more" if len(stale) > 5 else "")
        raise DomainError("plan", f"This plan's snapshot is stale ({shown}). Run the plan again.")
    previous = None
    for old in Plan.objects.select_for_update().filter(state=PlanState.ADOPTED):
        previous = transition(old, PLAN_LIFECYCLE, "supersede")
    plan = transition(plan, PLAN_LIFECYCLE, "adopt", version, adopted_by=user,
                      adopted_at=timezone.now())

    # A need is covered by what arrives by its required-by date; late units cover nothing.
    given = defaultdict(float)
    used = set()
    for a in plan.allocations.all():
        if a.on_time:
            given[a.need_id] += a.quantity
        used.update(pk for pk in (a.pledge_id, a.fund_id) if pk)
    planned = {int(pk) for pk in plan.fingerprint.get("pledges", {})}
    pledges = list(Pledge.objects.select_for_update().filter(pk__in=planned).order_by("pk"))
    allocating = [p for p in pledges if p.pk in used and p.state == PledgeState.ACCEPTED]
    releasing = [p for p in pledges if p.pk not in used and p.state == PledgeState.ALLOCATED]
    transition_all(allocating, PLEDGE_LIFECYCLE, "allocate", user)
    transition_all(releasing, PLEDGE_LIFECYCLE, "release", user)
    planned = {int(pk) for pk in plan.fingerprint.get("needs", {})}
    needs = list(Need.objects.select_for_update().filter(pk__in=planned).order_by("pk"))
    steps = [(n, _need_steps(n, given.get(n.pk, 0.0))) for n in needs]
    for i in range(max((len(s) for _, s in steps), default=0)):  # e.g. open, then cover
        by_action = defaultdict(list)
        for n, s in steps:
            if len(s) > i:
                by_action[s[i]].append(n)
        for action, group in by_action.items():
            transition_all(group, NEED_LIFECYCLE, action, user)
    # One notice per donor and per recipient organisation it changed, in one insert.
    notify(adoption_notices(plan, previous, pledges, {p.pk for p in allocating},
                            {p.pk for p in releasing}, steps))
    return plan


def _need_steps(need: Need, allocated: float) -> list[str]:
    """The lifecycle steps from ``need``'s state to the state its allocations give it."""
    S = NeedState
    qty = float(need.quantity)
    target = S.COVERED if allocated >= qty - EPS * max(qty, 1) else (
        S.PARTLY_COVERED if allocated > EPS else S.OPEN)
    state = need.state
    if state == target:
        return []
    if state == S.VALIDATED:
        return ["open"] + _need_steps_from(S.OPEN, target)
    return _need_steps_from(state, target)


def _need_steps_from(state: str, target: str) -> list[str]:
    S = NeedState
    if state == target:
        return []
    if target == S.OPEN:
        return ["reopen"]
    return ["cover" if target == S.COVERED else "cover_partly"]


@transaction.atomic
def pin_allocation(user: User, allocation: Allocation, note: str = "") -> PlanRule:
    """Keep this allocation, as it is, in every later plan (until the pin is lifted)."""
    require(user, "planning.add_planrule")
    if allocation.pledge_id is None:
        raise DomainError("allocation", "Only a pledge's allocation can be pinned.")
    return PlanRule.objects.create(
        owner=user.organisation, kind=RuleKind.PIN, pledge_id=allocation.pledge_id,
        need_id=allocation.need_id, hub_id=allocation.hub_id,
        ship_on=allocation.plan.week_start(allocation.ship_week), quantity=allocation.quantity,
        note=note, created_by=user,
    )


@transaction.atomic
def forbid_pair(user: User, pledge: Pledge, need: Need, note: str = "") -> PlanRule:
    """Never give ``pledge`` to ``need`` in a later plan."""
    require(user, "planning.add_planrule")
    rules = PlanRule.objects.filter(kind=RuleKind.FORBID, pledge=pledge, need=need, active=True)
    if rules.exists():
        raise DomainError("need", "This pledge is already forbidden for this need.")
    return PlanRule.objects.create(owner=user.organisation, kind=RuleKind.FORBID, pledge=pledge,
                                   need=need, note=note, created_by=user)


@transaction.atomic
def lift_rule(user: User, rule: PlanRule, version: int | None) -> PlanRule:
    require(user, "planning.change_planrule", rule)
    if not rule.active:
        raise DomainError("active", "This rule is already lifted.")
    rule.active = False
    save_versioned(rule, version)
    return rule
