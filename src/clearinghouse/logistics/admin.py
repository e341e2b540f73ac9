from django.contrib import admin

from clearinghouse.core.admin import VisibleAdmin

from .models import Hub


@admin.register(Hub)
class HubAdmin(VisibleAdmin):
    list_display = ("code", "name", "owner", "country_iso3", "weekly_capacity_pallets")
