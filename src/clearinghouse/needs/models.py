"""The recipient's needs: prioritised requirement lines (DESIGN.md, Domain: Need)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

from clearinghouse.core.chain import History
from clearinghouse.core.lifecycle import StateMachine, Versioned
from clearinghouse.core.words import number
from clearinghouse.security.models import Controlled


class Priority(models.IntegerChoices):
    CRITICAL = 1, "critical"
    HIGH = 2, "high"
    MEDIUM = 3, "medium"
    LOW = 4, "low"


class NeedState(models.TextChoices):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    OPEN = "open"
    PARTLY_COVERED = "partly_covered", "partly covered"
    COVERED = "covered"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


S = NeedState
NEED_LIFECYCLE = StateMachine(
    "need",
    [
        ("submit", [S.DRAFT], S.SUBMITTED),
        ("return", [S.SUBMITTED], S.DRAFT),
        ("validate", [S.SUBMITTED], S.VALIDATED),
        ("open", [S.VALIDATED], S.OPEN),
        # An adopted re-plan may cover less of a covered need than the plan before it.
        ("cover_partly", [S.OPEN, S.COVERED], S.PARTLY_COVERED),
        ("cover", [S.OPEN, S.PARTLY_COVERED], S.COVERED),
        ("reopen", [S.PARTLY_COVERED, S.COVERED], S.OPEN),
        # Verified receipts cover it (shipments.receipts.settle), whatever the plan said.
        ("deliver", [S.OPEN, S.PARTLY_COVERED, S.COVERED], S.DELIVERED),
        ("cancel", [S.DRAFT, S.SUBMITTED, S.VALIDATED, S.OPEN, S.PARTLY_COVERED], S.CANCELLED),
    ],
)
# Needs donors may pledge against.
PLEDGEABLE_STATES = (S.VALIDATED, S.OPEN, S.PARTLY_COVERED)
EDITABLE_STATES = (S.DRAFT, S.SUBMITTED)


class Need(Controlled, Versioned):
    item_type = models.ForeignKey(
        "catalogue.ItemType", null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    family = models.ForeignKey(
        "catalogue.CompatibilityFamily", null=True, blank=True, on_delete=models.PROTECT,
        related_name="needs", help_text="Any item of this family will do (instead of one item).",
    )
    # Positive, checked by clean() (one message; a MinValueValidator(0) here said "greater
    # than or equal to 0" beside it).
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    required_by = models.DateField()
    region = models.ForeignKey("parties.Region", on_delete=models.PROTECT, related_name="needs")
    justification = models.TextField(blank=True, default="")
    state = models.CharField(
        max_length=16, choices=NeedState.choices, default=NeedState.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = History(excluded_fields=["created_at"])

    class Meta:
        ordering = ["priority", "required_by", "id"]
        indexes = [
            models.Index(fields=["state", "priority"]),
            models.Index(fields=["owner", "state"]),
        ]

    def __str__(self):
        return f"Need {self.pk}: {number(self.quantity)} × {self.item_type or self.family}"

    @cached_property  # asked by every quantity a need's page shows
    def whole_units_only(self) -> bool:
        if self.item_type_id:
            return self.item_type.indivisible
        if self.family_id:
            return not self.family.items.filter(indivisible=False).exists()
        return False

    def clean(self) -> None:
        errors = {}
        if bool(self.item_type_id) == bool(self.family_id):
            errors["item_type"] = "Name either one item type or one compatibility family."
        if self.quantity is not None:
            if self.quantity <= 0:
                errors["quantity"] = "The quantity must be positive."
            elif self.quantity != int(self.quantity) and self.whole_units_only:
                errors["quantity"] = "This item is indivisible: the quantity must be whole."
        if errors:
            raise ValidationError(errors)
