"""Capability areas and coalitions, compatibility families and item types."""

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from clearinghouse.core.chain import History
from clearinghouse.core.lifecycle import Versioned
from clearinghouse.security.models import PublicQuerySet

from .nsn import format_nsn, normalise_nsn


class CapabilityArea(Versioned):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100, unique=True)

    objects = PublicQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CapabilityCoalition(Versioned):
    name = models.CharField(max_length=150, unique=True)
    area = models.ForeignKey(CapabilityArea, on_delete=models.PROTECT, related_name="coalitions")
    lead_nations = models.ManyToManyField("parties.Organisation", related_name="coalitions_led")
    roadmap = models.TextField(blank=True, default="")

    objects = PublicQuerySet.as_manager()
    history = History(m2m_fields=[lead_nations])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CompatibilityFamily(Versioned):
    """Interchangeable items: 155 mm NATO projectiles fit every 155 mm NATO howitzer."""

    code = models.SlugField(max_length=48, unique=True)
    name = models.CharField(max_length=150, unique=True)
    area = models.ForeignKey(CapabilityArea, on_delete=models.PROTECT, related_name="families")
    description = models.TextField(blank=True, default="")

    objects = PublicQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "compatibility families"

    def __str__(self):
        return self.name


class UnitOfIssue(models.TextChoices):
    EACH = "EA", "each"
    ROUND = "RD", "round"
    SYSTEM = "SY", "system"
    SET = "SE", "set"
    KIT = "KT", "kit"
    BOX = "BX", "box"
    LITRE = "LI", "litre"
    KILOGRAM = "KG", "kilogram"
    PALLET = "PL", "pallet"


class ItemType(Versioned):
    name = models.CharField(max_length=200, unique=True)
    nsn = models.CharField(
        "NATO Stock Number", max_length=13, unique=True, null=True, blank=True,
        help_text="13 digits, stored without separators, shown as 1005-01-123-4567.",
    )
    supply_class = models.CharField(
        max_length=4, validators=[RegexValidator(r"^\d{4}$", "Four digits (NATO supply class).")]
    )
    area = models.ForeignKey(CapabilityArea, on_delete=models.PROTECT, related_name="items")
    family = models.ForeignKey(
        CompatibilityFamily, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    unit_of_issue = models.CharField(max_length=2, choices=UnitOfIssue.choices)
    indivisible = models.BooleanField(default=True, help_text="Given in whole units only.")
    unit_mass_kg = models.DecimalField(
        max_digits=12, decimal_places=3, validators=[MinValueValidator(0)]
    )
    pallets_per_unit = models.DecimalField(
        max_digits=10, decimal_places=4, validators=[MinValueValidator(0)]
    )
    unit_value_eur = models.DecimalField(
        "unit value in EUR", max_digits=15, decimal_places=2, validators=[MinValueValidator(0)]
    )
    value_source = models.CharField(max_length=300, blank=True, default="")
    lethal = models.BooleanField()
    crew_course = models.CharField(
        max_length=100, blank=True, default="", help_text="The course its crews need."
    )

    objects = PublicQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def nsn_display(self) -> str:
        return format_nsn(self.nsn or "")

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Normalise before the length check: "1005-01-123-4567" is 16 characters as typed.
        errors = {}
        if self.nsn:
            try:
                self.nsn = normalise_nsn(self.nsn)
            except ValueError as exc:
                errors["nsn"] = [str(exc)]
                exclude = {*(exclude or ()), "nsn"}
        else:
            self.nsn = None
        try:
            super().clean_fields(exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        if self.nsn and self.supply_class and self.nsn[:4] != self.supply_class:
            raise ValidationError(
                {"nsn": f"The NSN's class {self.nsn[:4]} does not agree with the item's "
                        f"supply class {self.supply_class}."}
            )
