"""The adopted plan's shipments on a timeline (a Gantt chart; docs/shipments.md, "The hub's job
and the timeline"), by need (item and destination region) or by hub.

A bar runs from the day a shipment left its depot (or is expected ready) to its expected
arrival. The shipments shown are those made from the adopted plan and every one on the move
that it carries (departed and not yet received), not cancelled, as the reader sees them
(``queries.shipments``), whose bar crosses the window (four weeks back, twelve ahead). Rows are
read one page at a time, ordered and counted in the database (two queries a page), and drawn
server-side as an SVG whose geometry is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clearinghouse.core.words import day
from clearinghouse.parties.models import User
from clearinghouse.planning.models import PlanState
from clearinghouse.security.roles import Classification

from .hub import monday
from .models import ShipmentLine, ShipmentState
from .queries import shipments

S = ShipmentState
ON_THE_WAY = (S.DEPARTED, S.AT_HUB, S.HANDED_OVER)
ARRIVED = (S.RECEIVED, S.VERIFIED)
GROUPINGS = {"need": "by need (item and region)", "hub": "by hub"}
PAGE_SIZE = 60
WEEKS_BEFORE, WEEKS_AFTER = 4, 12
# The drawing, in SVG units (the SVG is drawn at this size and scrolls on a narrow screen).
LABEL_WIDTH, DAY_WIDTH, ROW_HEIGHT, HEAD_HEIGHT = 210, 6, 20, 26


@dataclass
class Bar:
    pk: int
    url: str
    group: str
    label: str
    starts_on: date
    ends_on: date
    state: str
    late: bool
    units: Decimal | None = None
    whole: bool = False
    # Geometry (SVG units)
    y: int = 0
    x: int = 0
    width: int = 0
    heading: bool = False  # the first bar of its group on this page: a heading row above it
    heading_y: int = 0


def _window(today: date) -> tuple[date, date]:
    first = monday(today) - timedelta(weeks=WEEKS_BEFORE)
    return first, first + timedelta(weeks=WEEKS_BEFORE + WEEKS_AFTER, days=-1)


def _rows(user: User, by: str, first: date, last: date):
    """The rows in order, not yet read: a shipment each by hub; by need, one per shipment and
    item, with its units."""
    seen = (shipments(user).exclude(state=S.CANCELLED)
            .filter(Q(plan__state=PlanState.ADOPTED) | Q(state__in=(*ON_THE_WAY,)))
            .annotate(bar_start=Coalesce("departed_on", "expected_ready_on"))
            .filter(bar_start__lte=last, expected_arrival_on__gte=first))
    if by == "hub":
        return seen.order_by("hub__name", "bar_start", "pk").values(
            "state", "bar_start", "expected_arrival_on", "planned_arrival_on",
            sid=F("pk"), group=F("hub__name"), other=F("region__name"),
            level=F("classification"))
    start = Coalesce("shipment__departed_on", "shipment__expected_ready_on")
    return (ShipmentLine.objects.filter(shipment__in=seen.values("pk")).order_by()
            .values("shipment_id", "item_type__name", "shipment__region__name")
            .annotate(units=Sum(Coalesce("shipped", "quantity")),
                      whole=F("item_type__indivisible"), sid=F("shipment_id"),
                      state=F("shipment__state"), bar_start=start,
                      expected_arrival_on=F("shipment__expected_arrival_on"),
                      planned_arrival_on=F("shipment__planned_arrival_on"),
                      other=F("shipment__hub__name"), level=F("shipment__classification"))
            .order_by("item_type__name", "shipment__region__name", "bar_start", "shipment_id"))


def is_late(row: dict, today: date) -> bool:
    """Expected after its planned arrival, or not arrived by its expected day."""
    return (row["expected_arrival_on"] > row["planned_arrival_on"]
            or (row["state"] not in ARRIVED and row["expected_arrival_on"] < today))


def timeline(user: User, by: str = "need", page: str | int | None = 1,
             today: date | None = None) -> dict:
    """One page of the timeline as ``user`` sees it, grouped ``by`` "need" or "hub": its bars
    placed, the week lines, today's line and the drawing's size."""
    by = by if by in GROUPINGS else "need"
    today = today or timezone.localdate()
    first, last = _window(today)
    shown: Page = Paginator(_rows(user, by, first, last), PAGE_SIZE).get_page(page)
    detail = reverse("shipments:detail", args=[0])
    bars, y, group = [], HEAD_HEIGHT, None
    for r in shown.object_list:
        if by == "hub":
            name, label = r["group"], f"Shipment {r['sid']} to {r['other']}"
        else:
            name = f"{r['item_type__name']}, {r['shipment__region__name']}"
            label = f"Shipment {r['sid']} via {r['other']}"
        bar = Bar(pk=r["sid"], url=detail.replace("/0/", f"/{r['sid']}/"), group=name,
                  label=label, starts_on=r["bar_start"], ends_on=r["expected_arrival_on"],
                  state=S(r["state"]).label, late=is_late(r, today), units=r.get("units"),
                  whole=bool(r.get("whole")))
        if name != group:
            bar.heading, bar.heading_y, group = True, y, name
            y += ROW_HEIGHT
        start, end = max(bar.starts_on, first), min(bar.ends_on, last)
        bar.y = y
        bar.x = LABEL_WIDTH + (start - first).days * DAY_WIDTH
        bar.width = max((end - start).days + 1, 1) * DAY_WIDTH
        bars.append(bar)
        y += ROW_HEIGHT
    days = (last - first).days + 1
    weeks = [{"x": LABEL_WIDTH + n * 7 * DAY_WIDTH,
              "label": day(first + timedelta(weeks=n)) if n % 2 == 0 else ""}
             for n in range((days + 6) // 7)]
    return {
        "by": by, "groupings": GROUPINGS, "page_obj": shown, "bars": bars,
        "first": first, "last": last, "today": today,
        "today_x": LABEL_WIDTH + (today - first).days * DAY_WIDTH + DAY_WIDTH // 2,
        "grouping": GROUPINGS[by],
        "weeks": weeks, "width": LABEL_WIDTH + days * DAY_WIDTH + 10, "height": y + 6,
        "label_width": LABEL_WIDTH, "row_height": ROW_HEIGHT, "bar_height": ROW_HEIGHT - 6,
        "late_count": sum(1 for b in bars if b.late),
        "classification": max((r["level"] for r in shown.object_list),
                              default=Classification.PUBLIC),
    }
