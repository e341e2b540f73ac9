"""The receiving unit's start: what is coming to it, what it must count and verify, and the
differences it reported that are still open."""

from __future__ import annotations

from django.db.models import Count, Max
from django.urls import reverse

from clearinghouse.parties.models import User
from clearinghouse.security.roles import Classification

from . import queries
from .models import ShipmentState

S = ShipmentState
LIMIT = 25
# What the unit does next with a shipment in each state, in its words.
NEXT = {S.DEPARTED: "on its way to the hub", S.AT_HUB: "at the hub: take it over",
        S.HANDED_OVER: "count what arrived", S.RECEIVED: "verify the count"}


def unit_page(user: User) -> dict:
    """The shipments coming to the user's unit (soonest first), counted by what is to do."""
    mine = queries.shipments(user).filter(receiving_unit_id=user.organisation_id)
    coming = mine.filter(state__in=list(NEXT))
    counts = dict(coming.order_by().values_list("state").annotate(n=Count("pk")))
    rows = list(coming.order_by("expected_arrival_on", "pk")[:LIMIT])
    for s in rows:
        s.url = reverse("shipments:detail", args=[s.pk])
        s.next_step = NEXT[s.state]
    open_cases = queries.discrepancies(user, open_only=True).filter(
        line__shipment__receiving_unit_id=user.organisation_id)
    level = coming.aggregate(level=Max("classification"))["level"]
    return {
        "todo": [(NEXT[state], counts.get(state, 0)) for state in NEXT],
        "coming": rows,
        "coming_total": sum(counts.values()),
        "open_cases": open_cases.count(),
        "level": level if level is not None else Classification.PUBLIC,
    }
