"""Plans, allocations and gaps as a user sees them: who sees which plan, which of its
allocations and how much of their movement, which gaps and how much of a gap's reasons
(DESIGN.md, who sees what). One place for the API, the pages and the exports.

- A plan is visible in full through ``Plan.objects.visible_to(user)`` (coordinators, auditors,
  and anyone the plan is released to). Its figures (value, coverage, bound...) are aggregates
  over every record of the snapshot, so only these readers get them (rule 5).
- The adopted plan is also visible, thin (name, dates, state), to those who take part in it:
  the recipient side, and whoever sees one of its allocations (the sending donor, the hub
  operator). Everything else about a plan is absent (404, rule 6).
- Gaps: coordinators and auditors see every gap of a plan, with the solver's reasons. Others
  see the gaps of the adopted plan for needs they see, and of each reason only its code, a
  generic message and the whitelisted fields of what would close it: no hub, origin, week of
  handling, fund, pledge or free text of the solver (rules 4 and 6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.http import Http404

from clearinghouse.core.panels import tallied
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import User
from clearinghouse.pledges.models import Pledge, SupplierOffer
from clearinghouse.pledges.queries import pledged_by_need
from clearinghouse.security.models import visible_reference
from clearinghouse.security.roles import Audience, audiences

from .ground import ground
from .models import Allocation, Gap, Plan, PlanState

# Large fields a list or a part of a plan never reads.
LARGE = ("instance", "fingerprint")


def sees_everything(user: User) -> bool:
    """Coordinators and auditors: every plan's allocations, movement, gaps and snapshot."""
    return Audience.COORDINATOR in audiences(user)


def plans_for(user: User) -> QuerySet[Plan]:
    """Plans ``user`` may open, annotated ``figures_shown`` (False where seen thin)."""
    full = Plan.objects.visible_to(user)
    org_id = getattr(user, "organisation_id", None) if user.is_authenticated else None
    if org_id is None:
        return Plan.objects.none().restricted_for(user)
    thin = Q(state=PlanState.ADOPTED, classification__lte=user.clearance)
    if Audience.RECIPIENT not in audiences(user):
        thin &= Exists(Allocation.objects.visible_to(user).filter(plan=OuterRef("pk")))
    return Plan.objects.filter(Q(pk__in=full.values("pk")) | thin).annotate(
        figures_shown=Exists(full.filter(pk=OuterRef("pk")))
    ).restricted_for(user)


def plans(user: User) -> QuerySet[Plan]:
    """The plans ``user`` sees in full (coordinators, auditors, those a plan is released to)."""
    return Plan.objects.visible_to(user).select_related("created_by", "adopted_by", "base")


def adopted_plan() -> Plan | None:
    """The plan in force. Who may read it, and how much, is ``plans_for``; its gaps and
    allocations are read for a user through ``gaps_for`` and ``allocations_for``."""
    return Plan.objects.filter(state=PlanState.ADOPTED).defer(*LARGE).first()


def ask_plan(user: User, chosen: str | None) -> Plan | None:
    """The plan whose gaps the ask list shows: ``chosen`` (a plan id, from ``?plan=``) among
    the plans ``user`` sees in full, else the adopted plan; 404 for any other id."""
    if chosen is None or chosen == "":
        return adopted_plan()
    if not chosen.isdigit():
        raise Http404
    try:
        return Plan.objects.visible_to(user).defer(*LARGE).get(pk=int(chosen))
    except Plan.DoesNotExist as exc:
        raise Http404 from exc


def gaps_for(user: User, plan: Plan) -> QuerySet[Gap]:
    """The gaps of ``plan`` (one ``plans_for(user)`` gives) that ``user`` may see."""
    gaps = Gap.objects.filter(plan=plan)
    if sees_everything(user):
        return gaps.restricted_for(user)
    if plan.state != PlanState.ADOPTED:
        return gaps.none().restricted_for(user)
    return gaps.filter(need__in=Need.objects.visible_to(user).values("pk")).restricted_for(user)


# -- allocations, their references and their movement, as the reader sees them ----------------

def _shown_donor(field: str, user: User) -> Subquery:
    """The donor of the pledge (or fund) in ``field`` as ``user`` sees it (``shown_donor_id``)."""
    pledges = Pledge.objects.visible_to(user).filter(pk=OuterRef(field))
    return Subquery(pledges.values("shown_donor_id")[:1], output_field=IntegerField())


def _if_moving(expr, field) -> Case:
    return Case(When(movement_visible=True, then=expr), default=Value(None), output_field=field)


def allocations_for(user: User, plan: Plan) -> QuerySet[Allocation]:
    """The allocations of ``plan`` that ``user`` sees, each reference as ``shown_<field>_id``
    (NULL where the record is not visible to them, the donor where anonymous to them) and the
    movement (hub, weeks, pinned) only where they may see it (``movement_visible``, rule 4)."""
    return (
        Allocation.objects.visible_to(user).with_movement(user).filter(plan=plan)
        .annotate(
            shown_pledge_id=visible_reference("pledge_id", Pledge, user),
            shown_fund_id=visible_reference("fund_id", Pledge, user),
            shown_offer_id=visible_reference("offer_id", SupplierOffer, user),
            shown_need_id=visible_reference("need_id", Need, user),
            shown_donor_id=Coalesce(_shown_donor("pledge_id", user),
                                    _shown_donor("fund_id", user)),
            shown_hub_id=_if_moving(F("hub_id"), BigIntegerField()),
            shown_hub_code=_if_moving(F("hub__code"), CharField()),
            shown_ship_week=_if_moving(F("ship_week"), PositiveSmallIntegerField()),
            shown_arrival_week=_if_moving(F("arrival_week"), PositiveSmallIntegerField()),
            shown_fixed=_if_moving(F("fixed"), BooleanField()),
        )
    )


# -- coverage of needs ---------------------------------------------------------------------------

# Quantities are stored with 3 decimals; allocations are floats out of the solver.
UNITS = DecimalField(max_digits=15, decimal_places=3)


@dataclass(frozen=True)
class Coverage:
    """A need's coverage as one reader sees it, in the order its parts fill the need: what the
    adopted plan brings by the required-by date (``covered``) and after it (``late``: it covers
    nothing), then the goods pledges no plan uses yet (``accepted``, and offered: ``pledged``).
    ``level``: the highest classification of the pledges and funds counted (None: none)."""

    quantity: Decimal
    covered: Decimal
    late: Decimal
    accepted: Decimal
    pledged: Decimal
    level: int | None = field(default=None, compare=False)

    @property
    def missing(self) -> Decimal:
        found = self.covered + self.late + self.accepted + self.pledged
        return max(self.quantity - found, Decimal(0))

    def share(self, part: str) -> float:
        """Share of the need (0 to 100) for the bar; parts beyond the need are capped."""
        if not self.quantity:
            return 0.0
        return float(min(getattr(self, part), self.quantity) / self.quantity * 100)


def planned_by_need(
    user: User, needs: Iterable[int] | QuerySet | None = None
) -> QuerySet[Allocation, dict]:
    """What the adopted plan brings each need, over the allocations ``user`` sees (DESIGN.md,
    rule 5): a ``values()`` queryset of ``need_id``, ``covered`` (arriving by the required-by
    date) and ``late`` (NULL where none), and ``level``, the highest classification of the
    pledges and funds they come from. ``needs``: need ids or a queryset of them."""
    rows = Allocation.objects.visible_to(user).filter(plan__state=PlanState.ADOPTED)
    if needs is not None:
        rows = rows.filter(need__in=needs)
    return rows.order_by().values("need_id").annotate(
        covered=Sum(Cast("quantity", UNITS), filter=Q(on_time=True)),
        late=Sum(Cast("quantity", UNITS), filter=Q(on_time=False)),
        level=Max(Coalesce("pledge__classification", "fund__classification")),
    )


def coverage_for(needs: Iterable[Need], user: User) -> dict[int, Coverage]:
    """Coverage of ``needs`` (records already visible to ``user``), in two queries: what the
    adopted plan brings them, and the pledges not yet planned. Funding and training are not
    quantities of the item; the start pages sum the same in SQL (reports/totals.py)."""
    needs = list(needs)
    pks = [n.pk for n in needs]
    planned = {r["need_id"]: r for r in planned_by_need(user, pks)}
    pledged = {r["need_id"]: r for r in pledged_by_need(user, pks)}
    # Goods the plan counted that never reached the need (verified short, damaged, wrong).
    gone = ground().lost(pks) if ground() else {}

    def part(found: dict, pk: int, name: str) -> Decimal:
        return Decimal(found.get(pk, {}).get(name) or 0).quantize(Decimal("0.001"))

    def level(pk: int) -> int | None:
        levels = [f[pk]["level"] for f in (planned, pledged) if f.get(pk, {}).get("level")]
        return max(levels, default=None)

    return {
        n.pk: Coverage(
            quantity=n.quantity,
            covered=max(part(planned, n.pk, "covered") - gone.get(n.pk, 0), Decimal(0)),
            late=part(planned, n.pk, "late"), accepted=part(pledged, n.pk, "accepted"),
            pledged=part(pledged, n.pk, "pledged"), level=level(n.pk),
        )
        for n in needs
    }


def need_coverage(need: Need, user: User) -> dict:
    """The need page's coverage bar and numbers, as ``user`` sees them (shown at the level of
    what they count)."""
    coverage = coverage_for([need], user)[need.pk]
    return {"coverage": coverage, "adopted": adopted_plan(),
            "shown": tallied({"highest": coverage.level})}


def need_planned(need: Need, user: User) -> dict:
    """The need page's panel: what the adopted plan brings ``need``, as ``user`` sees it (hub
    and arrival only where they may see the movement)."""
    plan = adopted_plan()
    rows = [] if plan is None else list(
        allocations_for(user, plan).filter(need=need).select_related("hub")
        .order_by("arrival_week", "id"))
    for a in rows:
        a.arrive_on = plan.week_start(a.arrival_week) if a.movement_visible else None
    return {"planned": rows, "planned_total": round(sum(a.quantity for a in rows), 6)}


# -- the reasons of a gap, for readers without movement data -----------------------------------

GENERIC_MESSAGES = {
    "no_compatible_supply": "No pledge or offer of this item is available for this need.",
    "taken_by_higher_value": "The compatible supply goes to needs of higher value.",
    "too_late": "The available supply cannot arrive by the required date.",
    "hub_capacity": "Logistics capacity is exhausted when this need would be served.",
    "restricted": "The available supply is restricted away from this need "
                  "(region, earmark or fund rules).",
    "budget": "The funds that may buy for this need are spent.",
    "no_route": "No route reaches this need's region from where the supply is.",
}
OTHER = "other"
OTHER_MESSAGE = "Not enough supply reaches this need in time."
# What would close a gap, as a reader without movement data may see it: what kind of step, the
# goods, how many, where and by when they must arrive. Not kept: hubs, depots, weeks of handling,
# pallets, funds, offers, prices, pledges, restrictions, and the need (the gap names it).
ASK_FIELDS = ("kind", "priority", "item", "family", "quantity", "region", "ready_by_week",
              "arrival_week", "due_week")
ASK_KINDS = {"supply", "capacity", "funds", "release"}


def _whitelisted(value: Any) -> dict | None:
    if not isinstance(value, dict):
        return None
    kept = {k: value[k] for k in ASK_FIELDS
            if k in value and isinstance(value[k], (str, int, float))
            and not isinstance(value[k], bool)}
    if kept.get("kind") not in ASK_KINDS:
        kept.pop("kind", None)
    return kept or None


def _told(ask: dict | None) -> str | None:
    """``would_close`` in words, from the whitelisted ask only (the solver's text may name a
    hub, a depot or a week of handling)."""
    if not ask or "quantity" not in ask:
        return None
    qty = ask["quantity"]
    qty = f"{qty:g}" if isinstance(qty, float) else str(qty)
    what = (f"item {ask['item']}" if "item" in ask
            else f"family {ask['family']}" if "family" in ask else "the goods needed")
    text = f"{qty} more units of {what}"
    if "region" in ask:
        text += f", arriving in region {ask['region']}"
    week = ask.get("arrival_week", ask.get("due_week"))
    if week is not None:
        text += f" by week {week}"
    return text


def masked_reason(reason: Any) -> dict:
    """One reason as a reader without movement data sees it (built from a whitelist only)."""
    raw = reason if isinstance(reason, dict) else {}
    code = raw.get("code")
    if code not in GENERIC_MESSAGES:
        code = OTHER
    ask = _whitelisted(raw.get("ask"))
    would_close = raw.get("would_close")
    return {
        "code": code,
        "message": GENERIC_MESSAGES.get(code, OTHER_MESSAGE),
        "would_close": (_whitelisted(would_close) if isinstance(would_close, dict)
                        else _told(ask)),
        "ask": ask,
    }


def reasons_for(user: User, reasons: Any) -> list:
    """A gap's reasons as ``user`` may see them."""
    if sees_everything(user):
        return reasons if isinstance(reasons, list) else []
    return [masked_reason(r) for r in (reasons if isinstance(reasons, list) else [])]
