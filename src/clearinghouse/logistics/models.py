"""Logistics hubs, their routes and closures (shipments come with the delivery work).

Routes, deliveries and closures are movement data: where and when cargo gathers is a target,
so they are controlled records like the hub itself.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from clearinghouse.core.chain import History
from clearinghouse.core.lifecycle import Versioned
from clearinghouse.security.models import Controlled


class Hub(Controlled, Versioned):
    """A logistics hub; its owner is the hub operator. Where cargo gathers is sensitive."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=150, unique=True)
    country_iso3 = models.CharField("country (ISO 3166 alpha-3)", max_length=3)
    weekly_capacity_pallets = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    history = History()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name




class Route(Controlled, Versioned):
    """A depot to hub leg: goods ready at ``origin`` are handled at the hub ``weeks`` later."""

    origin = models.CharField("origin depot", max_length=150)
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="routes")
    weeks = models.PositiveSmallIntegerField(help_text="Lead time from the depot to the hub.")

    history = History()

    class Meta:
        ordering = ["hub", "origin"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "hub"], name="route_origin_hub_unique")
        ]

    def __str__(self):
        return f"{self.origin} → {self.hub.code} ({self.weeks} wk)"


class Delivery(Controlled, Versioned):
    """A hub to region leg: goods handled at the hub arrive in the region ``weeks`` later."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="deliveries")
    region = models.ForeignKey("parties.Region", on_delete=models.PROTECT, related_name="+")
    weeks = models.PositiveSmallIntegerField(help_text="Lead time from the hub to the region.")

    history = History()

    class Meta:
        ordering = ["hub", "region"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["hub", "region"], name="delivery_hub_region_unique")
        ]

    def __str__(self):
        return f"{self.hub.code} → {self.region} ({self.weeks} wk)"


class HubClosure(Controlled, Versioned):
    """Days on which a hub handles nothing (maintenance, threat, strike)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="closures")
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day closed.")
    reason = models.CharField(max_length=200, blank=True, default="")

    history = History()

    class Meta:
        ordering = ["hub", "starts_on"]

    def __str__(self):
        return f"{self.hub.code} closed {self.starts_on}–{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "A closure ends on or after the day it starts."})
