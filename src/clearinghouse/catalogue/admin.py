from django import forms
from django.contrib import admin

from clearinghouse.core.admin import VisibleAdmin

from .models import CapabilityArea, CapabilityCoalition, CompatibilityFamily, ItemType


class PlainAdmin(VisibleAdmin):
    """Unversioned reference rows."""

    form = forms.ModelForm

    def save_model(self, request, obj, form, change):
        obj.save()


@admin.register(CapabilityArea)
class CapabilityAreaAdmin(PlainAdmin):
    list_display = ("code", "name")


@admin.register(CompatibilityFamily)
class CompatibilityFamilyAdmin(PlainAdmin):
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

    @admin.display(description="NSN")
    def nsn_display(self, item):
        return item.nsn_display
