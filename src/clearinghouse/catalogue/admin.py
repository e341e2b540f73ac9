from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from clearinghouse.core.admin import VisibleAdmin

from .models import CapabilityArea, CapabilityCoalition, CompatibilityFamily, ItemType


@admin.register(CapabilityArea)
class CapabilityAreaAdmin(VisibleAdmin):
    list_display = ("code", "name")


@admin.register(CompatibilityFamily)
class CompatibilityFamilyAdmin(VisibleAdmin):
    list_display = ("code", "name", "area")


@admin.register(CapabilityCoalition)
class CapabilityCoalitionAdmin(VisibleAdmin):
    list_display = ("name", "area")
    filter_horizontal = ("lead_nations",)


@admin.register(ItemType)
class ItemTypeAdmin(VisibleAdmin):
    list_display = ("name", "nsn_display", "supply_class", "area", "family", "unit_of_issue",
                    "unit_value_eur", "lethal", "indivisible")
    list_filter = ("area", "lethal", "indivisible", "unit_of_issue")
    search_fields = ("name", "nsn")

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "nsn":
            kwargs["max_length"] = 17  # as typed, with dashes; stored as 13 digits
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="NSN")
    def nsn_display(self, item: ItemType) -> str:
        return item.nsn_display
