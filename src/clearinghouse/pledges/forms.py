"""The pledge form: field parsing only; the services decide (pledges/services.py)."""

from django import forms
from django.db.models import Q

from clearinghouse.needs.forms import ServiceForm
from clearinghouse.needs.models import PLEDGEABLE_STATES, Need

from .models import Pledge


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, need: Need) -> str:
        what = need.item_type or need.family
        return (f"Need {need.pk}: {need.quantity:g} × {what}, {need.get_priority_display()}, "
                f"by {need.required_by:%d %b %Y}, {need.region}")


class PledgeForm(ServiceForm):
    need = NeedChoiceField(
        queryset=Need.objects.none(), required=False,
        help_text="The need this pledge answers; leave empty for a free pledge.",
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
            "earliest_availability": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
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

    def service_data(self) -> dict:
        data = super().service_data()
        if self.instance.pk:
            data.pop("kind", None)  # unchanged, and refused by the service if it were changed
        return data
