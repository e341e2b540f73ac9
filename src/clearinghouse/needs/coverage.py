"""How covered each need is, over the pledges the reader may see (DESIGN.md, rule 5)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from clearinghouse.pledges.models import Pledge, PledgeKind, PledgeState

# Firm: allocated by an adopted plan, on its way, or delivered.
COVERING = (PledgeState.ALLOCATED, PledgeState.SHIPPED, PledgeState.DELIVERED)


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


def coverage_for(needs, user) -> dict[int, Coverage]:
    """Coverage of ``needs`` (records already visible to ``user``) in one query.

    Counts goods pledged against each need, by state: covered (allocated, shipped, delivered),
    accepted, pledged (offered). Funding and training are not quantities of the item.
    """
    needs = list(needs)
    rows = (
        Pledge.objects.visible_to(user)
        .filter(need__in=[n.pk for n in needs], kind__in=(PledgeKind.STOCK, PledgeKind.PROCUREMENT))
        .order_by().values("need_id")
        .annotate(
            covered=Sum("quantity", filter=Q(state__in=COVERING)),
            accepted=Sum("quantity", filter=Q(state=PledgeState.ACCEPTED)),
            pledged=Sum("quantity", filter=Q(state=PledgeState.OFFERED)),
        )
    )
    found = {r["need_id"]: r for r in rows}
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
