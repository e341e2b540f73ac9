"""Template helper for coverage bars (numbers go through the words library's ``num``)."""

from decimal import Decimal

from django import template

from clearinghouse.planning.queries import Coverage

register = template.Library()

PARTS = ("covered", "late", "accepted", "pledged", "missing")


@register.simple_tag
def bar_parts(coverage: Coverage) -> list[tuple[str, str]]:
    """(part, width in %) of the bar: covered, late, accepted, pledged, missing, stacked to 100
    at most.

    Parts beyond the need (more pledged than asked for) are cut where the bar ends.
    """
    quantity = Decimal(coverage.quantity or 0)
    if quantity <= 0:
        return []
    parts, used = [], Decimal(0)
    for part in PARTS:
        amount = min(Decimal(getattr(coverage, part) or 0), quantity - used)
        if amount > 0:
            used += amount
            parts.append((part, f"{amount / quantity * 100:.2f}"))
    return parts
