from django.contrib import admin

from clearinghouse.core.admin import VisibleAdmin

from .models import Delivery, Hub, HubClosure, Route


@admin.register(Hub)
class HubAdmin(VisibleAdmin):
    list_display = ("code", "name", "owner", "country_iso3", "weekly_capacity_pallets")


@admin.register(Route)
class RouteAdmin(VisibleAdmin):
    list_display = ("origin", "hub", "weeks", "classification")
    list_filter = ("hub",)
    search_fields = ("origin",)
    list_select_related = ("hub",)


@admin.register(Delivery)
class DeliveryAdmin(VisibleAdmin):
    list_display = ("hub", "region", "weeks", "classification")
    list_filter = ("hub", "region")
    list_select_related = ("hub", "region")


@admin.register(HubClosure)
class HubClosureAdmin(VisibleAdmin):
    list_display = ("hub", "starts_on", "ends_on", "reason", "classification")
    list_filter = ("hub",)
    list_select_related = ("hub",)
