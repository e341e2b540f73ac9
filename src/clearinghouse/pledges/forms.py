"""The pledge form: field parsing only; the services decide (pledges/services.py).

Each kind of pledge has its own section (goods, funding, training, see the template): app.js
shows only the chosen kind's and leaves the others unsent; without JavaScript all show, each
labelled with the kinds it is for, and the service refuses values of another kind.
"""

from datetime import date

from django import forms
from django.db.models import Q
from django.utils import timezone

from clearinghouse.core.words import number
from clearinghouse.needs.forms import ItemSelect, ServiceForm, chosen_item, constrain_quantity
from clearinghouse.needs.forms import past_warning as past
from clearinghouse.needs.models import PLEDGEABLE_STATES, Need

from .models import Pledge, PledgeKind

# The kinds each section of the form serves (the template's data-kinds).
SECTIONS = {
    "goods": (PledgeKind.STOCK, PledgeKind.PROCUREMENT),
    "funding": (PledgeKind.FUNDING,),
    "training": (PledgeKind.TRAINING,),
}


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, need: Need) -> str:
        what = need.item_type or need.family
        return (f"Need {need.pk}: {number(need.quantity)} × {what}, {need.get_priority_display()}, "
                f"by {need.required_by:%d %b %Y}, {need.region}")


class PledgeForm(ServiceForm):
    need = NeedChoiceField(
        queryset=Need.objects.none(), required=False,
        help_text="The need this pledge answers; leave empty for a free pledge.",
    )
    # One message for a number of places that is not positive (the model's field would say
    # "greater than or equal to 0", and the service "positive" for 0).
    places = forms.IntegerField(
        required=False, min_value=1, help_text="Training places.",
        error_messages={"min_value": "A training pledge offers a positive number of places."},
    )

    class Meta:
        model = Pledge
        fields = (
            "kind", "item_type", "quantity", "amount_eur", "funding_items",
            "funding_non_lethal_only", "places", "course", "earliest_availability",
            "origin_depot", "need", "allowed_regions", "anonymous", "classification",
            "release_recipient", "release_all_donors",
        )
        widgets = {
            "kind": forms.Select(attrs={"data-kind-switch": ""}),
            "item_type": ItemSelect,
            "earliest_availability": forms.DateInput(attrs={
                "type": "date", "data-warn-past": "This date is in the past: the pledge will be "
                "read as available now."}, format="%Y-%m-%d"),
            "funding_items": forms.SelectMultiple(attrs={"size": 6}),
            "allowed_regions": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "item_type": "For goods from stock or new procurement.",
            "quantity": "For goods: how many, in the item's unit of issue.",
            "course": "For training: the course the places are on.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user, pledge = self.user, self.instance
        if pledge.pk:
            # The kind of a pledge cannot change (withdraw it instead).
            self.fields["kind"].disabled = True
        visible = Need.objects.visible_to(user) if user is not None else Need.objects.none()
        current = pledge.need_id if pledge.pk else None
        if current and not visible.filter(pk=current).exists():
            # A need the editor may not see is neither shown nor changed.
            del self.fields["need"]
        else:
            choices = Q(state__in=PLEDGEABLE_STATES) | Q(pk=current) if current else Q(
                state__in=PLEDGEABLE_STATES
            )
            self.fields["need"].queryset = (
                visible.filter(choices).select_related("item_type", "family", "region")
                .order_by("priority", "required_by", "id")
            )
        for name in ("item_type", "funding_items"):
            self.fields[name].queryset = self.fields[name].queryset.order_by("name")
        constrain_quantity(self, "quantity", "item_type", chosen_item(self))
        self.fields["amount_eur"].widget.attrs.update(min="0.01", step="0.01")
        self.fields["places"].widget.attrs.update(step="1")

    def clean_earliest_availability(self) -> date | None:
        """A past date is allowed (the planner reads it as available now, planning/snapshot.py
        ``week_of``) but warned about when entered: the user confirms it before it is saved."""
        day = self.cleaned_data.get("earliest_availability")
        if (day is not None and day < timezone.localdate()
                and "earliest_availability" in self.changed_data):
            self.warn("earliest_availability", f"{past(day)} A pledge available since a past "
                      "date is read as available now: tick the box to save it so, or correct "
                      "the date.")
        return day

    def service_data(self) -> dict:
        data = super().service_data()
        if self.instance.pk:
            data.pop("kind", None)  # unchanged, and refused by the service if it were changed
        return data
