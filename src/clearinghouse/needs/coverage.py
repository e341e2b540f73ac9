"""How covered each need is, over the pledges the reader may see (DESIGN.md, rule 5)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q, Sum

from clearinghouse.pledges.models import Pledge, PledgeKind, PledgeState

# Firm: allocated by an adopted plan, on its way, or delivered.
COVERING = (PledgeState.ALLOCATED, PledgeState.SHIPPED, PledgeState.DELIVERED)
# Goods count towards a need's quantity; funding and training are not quantities of the item.
GOODS = (PledgeKind.STOCK, PledgeKind.PROCUREMENT)
# The parts of a need's coverage, in the order they fill it, and the pledge states of each.
PARTS = {
    "covered": COVERING,
    "accepted": (PledgeState.ACCEPTED,),
    "pledged": (PledgeState.OFFERED,),
}


@dataclass(frozen=True)
class Coverage:
    quantity: Decimal
    covered: Decimal
    accepted: Decimal
    pledged: Decimal

    @property
    def missing(self) -> Decimal:
        return max(self.quantity - self.covered - self.accepted - self.pledged, Decimal(0))

    def share(self, part: str) -> float:
        """Share of the need (0 to 100) for the bar; parts beyond the need are capped."""
        if not self.quantity:
            return 0.0
        return float(min(getattr(self, part), self.quantity) / self.quantity * 100)


def coverage_by_need(user, needs=None):
    """Goods pledges ``user`` sees summed per need: a ``values()`` queryset of ``need_id``,
    ``covered``, ``accepted`` and ``pledged`` (NULL where none) and ``level``, the highest
    classification among them (any state). ``needs``: need ids or a queryset of them.

    The one definition of coverage: ``coverage_for`` reads it per need, the start pages join
    it to the needs they sum (reports/totals.py).
    """
    rows = Pledge.objects.visible_to(user).filter(kind__in=GOODS)
    if needs is not None:
        rows = rows.filter(need__in=needs)
    return rows.order_by().values("need_id").annotate(
        **{part: Sum("quantity", filter=Q(state__in=states)) for part, states in PARTS.items()},
        level=Max("classification"),
    )


def coverage_for(needs, user) -> dict[int, Coverage]:
    """Coverage of ``needs`` (records already visible to ``user``) in one query.

    Counts goods pledged against each need, by state: covered (allocated, shipped, delivered),
    accepted, pledged (offered). Funding and training are not quantities of the item.
    """
    needs = list(needs)
    found = {r["need_id"]: r for r in coverage_by_need(user, [n.pk for n in needs])}
    zero = Decimal(0)
    return {
        n.pk: Coverage(
            quantity=n.quantity,
            covered=found.get(n.pk, {}).get("covered") or zero,
            accepted=found.get(n.pk, {}).get("accepted") or zero,
            pledged=found.get(n.pk, {}).get("pledged") or zero,
        )
        for n in needs
    }
