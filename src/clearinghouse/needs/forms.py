"""The need form: field parsing only; the services decide (needs/services.py).

The forms also help at entry: browser-side constraints matching the server's rules (a quantity
above zero, in whole units for an indivisible item; no past required-by date), and warnings the
user confirms before a doubtful value is saved (``ServiceForm.warn``).
"""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clearinghouse.catalogue.models import ItemType
from clearinghouse.core import words
from clearinghouse.security.roles import Classification

from .models import Need

# The smallest positive quantity a quantity field holds (three decimal places).
SMALLEST = Decimal("0.001")


class ItemSelect(forms.Select):
    """An item type menu whose options say which items are indivisible (``data-indivisible``):
    app.js then asks the quantity beside it for whole units."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        item = getattr(value, "instance", None)
        if item is not None and item.indivisible:
            option["attrs"]["data-indivisible"] = "1"
        return option


def constrain_quantity(form: forms.Form, name: str, item_field: str | None,
                       item: ItemType | None) -> None:
    """The browser-side rule of a quantity: above zero (``min`` is inclusive, so the smallest
    positive step), in whole units for an indivisible item (``item``, where known); app.js
    follows the item menu ``item_field`` when the user picks another item."""
    whole = item is not None and item.indivisible
    attrs = form.fields[name].widget.attrs
    attrs.update(min="1" if whole else str(SMALLEST), step="1" if whole else str(SMALLEST))
    if item_field:
        attrs["data-whole-with"] = form[item_field].auto_id


def chosen_item(form: forms.ModelForm, field: str = "item_type") -> ItemType | None:
    """The item type the form holds: posted, initial or saved (one query at most)."""
    if form.is_bound:
        pk = form.data.get(field)
    else:
        pk = form.initial.get(field, getattr(form.instance, f"{field}_id", None))
    if not pk or not str(pk).isdigit():
        return None
    return ItemType.objects.filter(pk=pk).only("pk", "indivisible").first()


def past_warning(day: date) -> str:
    return f"{words.day(day)} is in the past."


class ServiceForm(forms.ModelForm):
    """A ModelForm that only parses its fields: the domain services validate and save.

    ``version`` carries the version the user opened, so a stale edit is refused; a service's
    refusal is put next to the field it names with :meth:`refused`.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Shown only beside a warning (form_alerts.html): saving again with it ticked confirms.
    confirm = forms.BooleanField(required=False, label="Yes, save it as it is")
    # Fields passed to the services as they are; ``version`` and ``confirm`` are not.
    stale = None
    # field -> a warning the user confirms (``confirm``) before the form saves.
    warnings: dict[str, str]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.warnings = {}
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        if "classification" in self.fields and user is not None:
            # A user cannot mark a record above its own clearance (it could no longer see it).
            self.fields["classification"].choices = [
                (value, label) for value, label in Classification.choices
                if value <= user.clearance
            ]

    def _post_clean(self):
        """No model validation here: the service validates, once, for every entry point."""

    def warn(self, field: str, message: str) -> None:
        """Hold the save until the user confirms ``message`` about ``field``: the form shows
        it beside the field and a box to tick (``confirm``); posted ticked, the form saves."""
        self.warnings[field] = message
        self.fields[field].warning = message

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return valid and (not self.warnings or bool(self.cleaned_data.get("confirm")))

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "confirm")}

    def refused(self, error: ValidationError, current_version: int | None = None) -> None:
        """Show a service's refusal: by field, a stale edit at the top with the input kept."""
        messages = error.message_dict if hasattr(error, "error_dict") else {
            None: error.messages
        }
        for field, texts in messages.items():
            if field == "version":
                self.stale = " ".join(texts)
                if current_version is not None and self.is_bound:
                    # Saving again deliberately applies the user's input to the current version.
                    self.data = self.data.copy()
                    self.data["version"] = current_version
                continue
            target = field if field in self.fields else None
            for text in texts:
                if target is None and field not in (None, "__all__"):
                    text = f"{field.replace('_', ' ').capitalize()}: {text}"
                self.add_error(target, text)


class NeedForm(ServiceForm):
    class Meta:
        model = Need
        fields = (
            "item_type", "family", "quantity", "priority", "required_by", "region",
            "justification", "classification", "release_recipient", "release_all_donors",
        )
        widgets = {
            "required_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "justification": forms.Textarea(attrs={"rows": 3}),
            "item_type": ItemSelect,
        }
        help_texts = {
            "item_type": "Name either one item type or one compatibility family.",
            "required_by": "Today or later: a need required by a past date cannot be submitted.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("release_recipient", True)
        self.fields["item_type"].queryset = self.fields["item_type"].queryset.order_by("name")
        self.fields["family"].queryset = self.fields["family"].queryset.order_by("name")
        constrain_quantity(self, "quantity", "item_type", chosen_item(self))
        today = timezone.localdate()
        self.fields["required_by"].widget.attrs.update(
            min=today.isoformat(), **{"data-warn-past": "This date is in the past: a need "
                                      "required by a past date cannot be submitted."})

    def clean_required_by(self) -> date | None:
        """Refused at entry: submitting the need would refuse it anyway (needs/services.py,
        ``_check_required_by``), so a draft is never saved with a date it cannot keep."""
        day = self.cleaned_data.get("required_by")
        if day is not None and day < timezone.localdate():
            raise ValidationError(f"{past_warning(day)} A need is required by today or later: "
                                  "one required by a past date cannot be submitted.")
        return day
