"""Logistics hubs (routes, closures and shipments come with the clearing and delivery work)."""

from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from clearinghouse.core.lifecycle import Versioned
from clearinghouse.security.models import Controlled


class Hub(Controlled, Versioned):
    """A logistics hub; its owner is the hub operator. Where cargo gathers is sensitive."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=150, unique=True)
    country_iso3 = models.CharField("country (ISO 3166 alpha-3)", max_length=3)
    weekly_capacity_pallets = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


