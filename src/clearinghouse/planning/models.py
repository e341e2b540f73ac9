"""Plans: one solve of the clearing optimiser over a snapshot, its allocations and its gaps
(DESIGN.md, Plan). The snapshot is the instance file itself, so every plan is reproducible
with ``clearinghouse solve``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When

from clearinghouse.core.chain import History
from clearinghouse.core.lifecycle import StateMachine, Versioned
from clearinghouse.core.words import number
from clearinghouse.parties.models import User
from clearinghouse.security.models import Controlled, ControlledQuerySet, VisibleQuerySet
from clearinghouse.security.roles import Audience, Role, audiences, has_role


class PlanKind(models.TextChoices):
    PLAN = "plan", "plan"
    WHAT_IF = "what_if", "what-if"


class PlanState(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    SOLVED = "solved", "solved"
    FAILED = "failed", "failed"
    ADOPTED = "adopted", "adopted"
    SUPERSEDED = "superseded", "superseded"


S = PlanState
PLAN_LIFECYCLE = StateMachine(
    "plan",
    [
        ("start", [S.QUEUED], S.RUNNING),
        ("finish", [S.RUNNING], S.SOLVED),
        ("fail", [S.QUEUED, S.RUNNING], S.FAILED),
        # its worker stopped beating (tasks.recover_stale_plans): solved again by another
        ("requeue", [S.RUNNING], S.QUEUED),
        ("cancel", [S.QUEUED, S.RUNNING], S.FAILED),
        ("adopt", [S.SOLVED], S.ADOPTED),
        ("supersede", [S.ADOPTED], S.SUPERSEDED),
    ],
)


class Plan(Controlled, Versioned):
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=8, choices=PlanKind.choices, default=PlanKind.PLAN)
    base = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="variants",
        help_text="For a what-if: the plan it is compared with.",
    )
    changes = models.JSONField(
        default=list, blank=True, help_text="For a what-if: the changes applied to the snapshot."
    )
    state = models.CharField(
        max_length=10, choices=PlanState.choices, default=PlanState.QUEUED, editable=False
    )
    # Progress of the solve, written by the worker without a version bump (not history).
    phase = models.CharField(max_length=100, blank=True, default="")
    progress = models.PositiveSmallIntegerField(default=0)

    start_date = models.DateField(help_text="Monday of week 1.")
    horizon_weeks = models.PositiveSmallIntegerField(default=52)
    time_limit_s = models.FloatField("time limit (s)", default=60.0)
    gap_target = models.FloatField("relative gap", default=1e-4)
    instance = models.JSONField(help_text="The snapshot: a clearinghouse-instance/1 document.")
    fingerprint = models.JSONField(
        default=dict, help_text="Version of every record the snapshot read, to refuse stale plans."
    )

    status = models.CharField("solver status", max_length=12, blank=True, default="")
    value = models.FloatField(null=True, blank=True)
    coverage = models.FloatField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    lp_bound = models.FloatField("LP bound", null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    greedy_value = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    left_out = models.JSONField(default=list, blank=True, editable=False,
                                help_text="What the snapshot left out, and why, one line each.")
    error = models.TextField(blank=True, default="")
    # The lease of the worker solving it: renewed while it runs; a plan whose worker died is
    # recovered once it lapses (tasks.py). ``attempts`` counts the workers that claimed it.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    adopted_at = models.DateTimeField(null=True, blank=True)

    history = History(excluded_fields=["instance", "stats", "phase", "progress",
                                                 "created_at", "heartbeat_at"])

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"Plan {self.pk}: {self.name}"

    def week_start(self, week: int) -> date:
        return self.start_date + timedelta(weeks=week - 1)

    @property
    def ratio_to_greedy(self) -> float | None:
        if self.value is None or not self.greedy_value:
            return None
        return self.value / self.greedy_value


class AllocationQuerySet(VisibleQuerySet):
    def visible_to(self, user: User) -> Self:
        """Coordinators and auditors see every plan's allocations; a donor those of its own
        pledges and funds, a hub operator those through its hub, the recipient those to needs
        it sees, all in the adopted plan only (DESIGN.md, who sees what); and nobody those of a
        pledge or fund above their clearance."""
        from clearinghouse.needs.models import Need

        if not user.is_authenticated or getattr(user, "organisation_id", None) is None:
            return self.none().restricted_for(user)
        # Clearance first, for every reader: an allocation tells of its pledge or fund.
        cleared = ((Q(pledge__isnull=True) | Q(pledge__classification__lte=user.clearance))
                   & (Q(fund__isnull=True) | Q(fund__classification__lte=user.clearance)))
        if Audience.COORDINATOR in audiences(user):
            return self.filter(cleared, plan__in=Plan.objects.visible_to(user)).restricted_for(
                user)
        org = user.organisation_id
        seen = Q(pledge__owner_id=org) | Q(fund__owner_id=org) | Q(hub__owner_id=org)
        if Audience.RECIPIENT in audiences(user):
            seen |= Exists(Need.objects.visible_to(user).filter(pk=OuterRef("need_id")))
        return self.filter(cleared, seen, plan__state=PlanState.ADOPTED).restricted_for(user)

    def with_movement(self, user: User) -> Self:
        """``movement_visible``: hub, weeks and route only for coordinators, the sending donor,
        and the logistics officers of the hub operator and of the receiving units in the need's
        region (DESIGN.md, rule 4): a role, not every user of the unit."""
        org = getattr(user, "organisation", None)
        if Audience.COORDINATOR in audiences(user):
            return self.annotate(movement_visible=Value(True))
        if org is None:
            return self.annotate(movement_visible=Value(False))
        allowed = Q(pledge__owner_id=org.pk) | Q(fund__owner_id=org.pk)
        if has_role(user, Role.LOGISTICS_OFFICER):
            allowed |= Q(hub__owner_id=org.pk)
            if org.kind == "recipient_unit" and org.region_id:
                allowed |= Q(need__region_id=org.region_id)
        return self.annotate(
            movement_visible=Case(When(allowed, then=Value(True)), default=Value(False),
                                  output_field=models.BooleanField())
        )


class Allocation(models.Model):
    """Units of a pledge (or of a fund's purchase from a supplier offer) for a need, handled at
    a hub in ``ship_week``. Binding once the plan is adopted."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="allocations")
    pledge = models.ForeignKey(
        "pledges.Pledge", null=True, blank=True, on_delete=models.PROTECT,
        related_name="allocations",
    )
    fund = models.ForeignKey(
        "pledges.Pledge", null=True, blank=True, on_delete=models.PROTECT, related_name="purchases"
    )
    offer = models.ForeignKey(
        "pledges.SupplierOffer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    need = models.ForeignKey("needs.Need", on_delete=models.PROTECT, related_name="allocations")
    hub = models.ForeignKey("logistics.Hub", on_delete=models.PROTECT, related_name="+")
    ship_week = models.PositiveSmallIntegerField()
    arrival_week = models.PositiveSmallIntegerField()
    quantity = models.FloatField()
    value = models.FloatField()
    fixed = models.BooleanField(default=False, help_text="Already on the move, or pinned.")
    on_time = models.BooleanField(
        default=True, help_text="Arrives by the need's required-by date: only these cover it.")

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "need", "ship_week", "id"]
        indexes = [models.Index(fields=["plan", "need"]), models.Index(fields=["pledge"])]

    def __str__(self):
        return f"{number(self.quantity)} for need {self.need_id} (plan {self.plan_id})"


class Gap(models.Model):
    """A need the plan leaves uncovered or late, with the binding reasons and what would close
    them (the plan's ``unmet``)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="gaps")
    need = models.ForeignKey("needs.Need", on_delete=models.PROTECT, related_name="+")
    missing = models.FloatField()
    late = models.FloatField()
    reasons = models.JSONField(default=list)
    # Read from ``reasons`` when the plan is stored (``gap_summary``), so that the pages that
    # list every gap (the plan, the ask list) never parse the solver's explanations.
    codes = models.JSONField(default=list)  # the reasons' codes as every reader may see them
    ready_by_week = models.IntegerField(null=True)  # the earliest week an ask must be ready

    # Restricted by ``planning.queries.gaps_for``: a gap is seen through its plan and need.
    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "need"]
        constraints = [models.UniqueConstraint(fields=["plan", "need"], name="gap_plan_need")]

    def __str__(self):
        return f"Gap of need {self.need_id} in plan {self.plan_id}"


def gap_summary(reasons: Any) -> tuple[list[str], int | None]:
    """A gap's reason codes (an unknown one as "other", as a reader without movement data
    sees it) and the earliest ``ready_by_week`` of the reasons' asks."""
    codes: list[str] = []
    weeks: list[int] = []
    for reason in reasons if isinstance(reasons, list) else []:
        raw = reason if isinstance(reason, dict) else {}
        code = raw.get("code") if raw.get("code") in REASON_CODES else "other"
        if code not in codes:
            codes.append(code)
        ask = raw.get("ask") if isinstance(raw.get("ask"), dict) else {}
        week = ask.get("ready_by_week")
        if isinstance(week, int) and not isinstance(week, bool):
            weeks.append(week)
    return codes, min(weeks) if weeks else None


# The clearing contract's reason codes (plan schema, ``unmet[].reasons[].code``).
REASON_CODES = frozenset({"no_compatible_supply", "no_route", "taken_by_higher_value",
                          "too_late", "hub_capacity", "restricted", "budget"})


class RuleKind(models.TextChoices):
    PIN = "pin", "pin"
    FORBID = "forbid", "forbid"


class PlanRule(Controlled, Versioned):
    """A coordinator's standing instruction to every later plan: keep (pin) an allocation, or
    never give a pledge to a need (forbid)."""

    kind = models.CharField(max_length=6, choices=RuleKind.choices)
    pledge = models.ForeignKey("pledges.Pledge", on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey("needs.Need", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey(
        "logistics.Hub", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ship_on = models.DateField(null=True, blank=True, help_text="Pin: the week the hub handles it.")
    quantity = models.FloatField(null=True, blank=True)
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ControlledQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.get_kind_display()} pledge {self.pledge_id} → need {self.need_id}"
