"""Pledges, stock positions and backfill orders (DESIGN.md, Domain)."""

from decimal import Decimal
from typing import Self

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce

from clearinghouse.core.chain import History
from clearinghouse.core.lifecycle import StateMachine, Versioned
from clearinghouse.core.words import day, number
from clearinghouse.parties.models import User
from clearinghouse.security.models import (
    Controlled,
    ControlledQuerySet,
    VisibleQuerySet,
    visible_reference,
)
from clearinghouse.security.roles import sees_donors


class PledgeKind(models.TextChoices):
    STOCK = "stock", "from stock"
    PROCUREMENT = "procurement", "new procurement"
    FUNDING = "funding", "funding"
    TRAINING = "training", "training places"


class PledgeState(models.TextChoices):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    ALLOCATED = "allocated"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


S = PledgeState
PLEDGE_LIFECYCLE = StateMachine(
    "pledge",
    [
        ("accept", [S.OFFERED], S.ACCEPTED),
        ("decline", [S.OFFERED], S.DECLINED),
        ("allocate", [S.ACCEPTED], S.ALLOCATED),
        ("ship", [S.ALLOCATED], S.SHIPPED),
        ("deliver", [S.SHIPPED], S.DELIVERED),
        ("withdraw", [S.OFFERED, S.ACCEPTED, S.ALLOCATED], S.WITHDRAWN),
        # An adopted re-plan that no longer uses an allocated pledge frees it again.
        ("release", [S.ALLOCATED], S.ACCEPTED),
    ],
)
EDITABLE_STATES = (S.OFFERED,)
# Fields that could identify an anonymous donor: hidden from those who may not see it.
DONOR_REVEALING = ("owner", "origin_depot", "stock_position", "below_target_by", "released_to")
# Pledges that still draw on the donor's stock.
COMMITTED_STATES = (S.OFFERED, S.ACCEPTED, S.ALLOCATED, S.SHIPPED)


class PledgeQuerySet(ControlledQuerySet):
    def visible_to(self, user: User) -> Self:
        """Visible pledges, with ``shown_donor_id``: NULL where an anonymous donor is hidden.

        Filters, sorting, search, exports and aggregates by donor use ``shown_donor_id`` so that
        none of them can reveal an anonymous donor (DESIGN.md, rule 3).
        """
        rows = super().visible_to(user)
        if sees_donors(user):
            return rows.annotate(shown_donor_id=F("owner_id"))
        hidden = Q(anonymous=True) & ~Q(owner_id=getattr(user, "organisation_id", None))
        return rows.annotate(
            shown_donor_id=Case(
                When(hidden, then=None), default=F("owner_id"), output_field=IntegerField()
            )
        )


    def with_visible_references(self, user: User) -> Self:
        """Annotate ``shown_need_id`` and ``shown_stock_position_id``: NULL when not visible;
        and ``shown_below_target`` and ``shown_below_target_by``, derived from the stock
        position: NULL when it is not visible either (a flag tells of its record)."""
        from clearinghouse.needs.models import Need

        rows = self.annotate(
            shown_need_id=visible_reference("need_id", Need, user),
            shown_stock_position_id=visible_reference("stock_position_id", StockPosition, user),
        )
        seen = Q(stock_position_id__isnull=True) | Q(shown_stock_position_id__isnull=False)
        return rows.annotate(
            shown_below_target=Case(When(seen, then=F("below_target")), default=None,
                                    output_field=models.BooleanField(null=True)),
            shown_below_target_by=Case(When(seen, then=F("below_target_by")), default=None,
                                       output_field=models.DecimalField(max_digits=14,
                                                                        decimal_places=3)),
        )


class Pledge(Controlled, Versioned):
    kind = models.CharField(max_length=12, choices=PledgeKind.choices)
    item_type = models.ForeignKey(
        "catalogue.ItemType", null=True, blank=True, on_delete=models.PROTECT,
        related_name="pledges",
    )
    # Quantity and amount are positive where their kind has them, checked by checks.py with
    # every other rule (one message; a MinValueValidator(0) here said "greater than or equal
    # to 0" before it).
    quantity = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    amount_eur = models.DecimalField(
        "amount in EUR", max_digits=15, decimal_places=2, null=True, blank=True,
        help_text="For funding: the money pledged.",
    )
    funding_items = models.ManyToManyField(
        "catalogue.ItemType", blank=True, related_name="funding_pledges",
        help_text="For funding: limited to these items (none: any item).",
    )
    funding_non_lethal_only = models.BooleanField(
        "funds non-lethal goods only", default=False
    )
    places = models.PositiveIntegerField(null=True, blank=True, help_text="Training places.")
    course = models.CharField(max_length=100, blank=True, default="")
    earliest_availability = models.DateField()
    origin_depot = models.CharField(max_length=150, blank=True, default="")
    need = models.ForeignKey(
        "needs.Need", null=True, blank=True, on_delete=models.PROTECT, related_name="pledges",
        help_text="The need this pledge answers; empty for a free pledge.",
    )
    allowed_regions = models.ManyToManyField(
        "parties.Region", blank=True, related_name="+",
        help_text="Condition: deliver only to these regions (none: anywhere).",
    )
    anonymous = models.BooleanField(
        default=False, help_text="Show the donor only to its own organisation and coordinators."
    )
    stock_position = models.ForeignKey(
        "StockPosition", null=True, blank=True, on_delete=models.PROTECT, related_name="pledges"
    )
    below_target = models.BooleanField(
        default=False, editable=False,
        help_text="This pledge takes the donor's stock below its capability-target minimum.",
    )
    below_target_by = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True, editable=False
    )
    state = models.CharField(
        max_length=12, choices=PledgeState.choices, default=PledgeState.OFFERED, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PledgeQuerySet.as_manager()
    history = History(
        excluded_fields=["created_at"], m2m_fields=[funding_items, allowed_regions]
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "kind"]),
            models.Index(fields=["owner", "state"]),
        ]

    def __str__(self):
        what = self.item_type or (f"EUR {self.amount_eur:,.0f}" if self.amount_eur else self.kind)
        return f"Pledge {self.pk}: {self.kind} {what}"

    @property
    def shown_donor_name(self) -> str:
        """The donor's name, or "anonymous" where ``visible_to`` hides it (``shown_donor_id``)."""
        return self.owner.name if getattr(self, "shown_donor_id", self.owner_id) else "anonymous"

    @property
    def value_eur(self) -> Decimal | None:
        if self.kind == PledgeKind.FUNDING:
            return self.amount_eur
        if self.item_type_id and self.quantity is not None:
            return self.quantity * self.item_type.unit_value_eur
        return None


class StockPositionQuerySet(ControlledQuerySet):
    def with_committed(self, user: User) -> Self:
        """Annotate ``committed``: the quantity promised from each position by the pledges
        ``user`` sees with their donor. A total including hidden pledges would disclose them,
        and an anonymous one its donor (DESIGN.md, rules 3 and 5)."""
        promised = (
            Pledge.objects.visible_to(user)
            .filter(stock_position=OuterRef("pk"), state__in=COMMITTED_STATES,
                    shown_donor_id__isnull=False)
            .order_by().values("stock_position").annotate(total=models.Sum("quantity"))
            .values("total")
        )
        return self.annotate(committed=Coalesce(
            Subquery(promised), 0, output_field=models.DecimalField(max_digits=14,
                                                                    decimal_places=3)))


class StockPosition(Controlled, Versioned):
    """A donor's holding of an item and the floor its capability targets set."""

    item_type = models.ForeignKey(
        "catalogue.ItemType", on_delete=models.PROTECT, related_name="stock_positions"
    )
    quantity_held = models.DecimalField(
        max_digits=14, decimal_places=3, validators=[MinValueValidator(0)]
    )
    target_minimum = models.DecimalField(
        "capability-target minimum", max_digits=14, decimal_places=3,
        validators=[MinValueValidator(0)],
    )
    notes = models.TextField(blank=True, default="")

    objects = StockPositionQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["owner__name", "item_type__name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "item_type"], name="one_position_per_item")
        ]

    def __str__(self):
        return f"{self.owner} holds {number(self.quantity_held)} × {self.item_type}"

    def committed(self, exclude_pledge_id: int | None = None) -> Decimal:
        """Quantity promised from this position by pledges not yet delivered or abandoned."""
        rows = self.pledges.filter(state__in=COMMITTED_STATES).exclude(pk=exclude_pledge_id)
        total = Coalesce(models.Sum("quantity"), 0, output_field=models.DecimalField())
        return rows.aggregate(total=total)["total"]


class BackfillOrderQuerySet(VisibleQuerySet):
    def visible_to(self, user: User) -> Self:
        """A backfill order is seen by whoever sees its stock position."""
        return self.filter(
            stock_position__in=StockPosition.objects.visible_to(user).values("pk")
        ).restricted_for(user)


class BackfillOrder(Versioned):
    """An order that replenishes a donor's stock after it gave from it."""

    stock_position = models.ForeignKey(
        StockPosition, on_delete=models.CASCADE, related_name="backfill_orders"
    )
    quantity = models.DecimalField(
        max_digits=14, decimal_places=3, validators=[MinValueValidator(0)]
    )
    expected_date = models.DateField()
    reference = models.CharField(max_length=100, blank=True, default="")

    objects = BackfillOrderQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["expected_date", "id"]

    def __str__(self):
        return f"Backfill {number(self.quantity)} by {day(self.expected_date)}"


class SupplierOffer(Controlled, Versioned):
    """What a fund can buy: an item from a supplier at a unit price, up to a quantity, after a
    lead time from the order (DESIGN.md, Supplier offer)."""

    supplier = models.CharField(max_length=150)
    item_type = models.ForeignKey(
        "catalogue.ItemType", on_delete=models.PROTECT, related_name="supplier_offers"
    )
    unit_price_eur = models.DecimalField(
        "unit price in EUR", max_digits=15, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    max_quantity = models.DecimalField(
        max_digits=14, decimal_places=3, validators=[MinValueValidator(0.001)]
    )
    available_from = models.DateField(help_text="The earliest day an order can be placed.")
    lead_weeks = models.PositiveSmallIntegerField(help_text="Weeks from the order to readiness.")
    origin_depot = models.CharField(max_length=150, help_text="Where the goods are ready.")

    history = History()

    class Meta:
        ordering = ["item_type", "unit_price_eur", "id"]

    def __str__(self):
        return f"Offer {self.pk}: {self.supplier}, {self.item_type}, EUR {self.unit_price_eur:,.2f}"
