from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from clearinghouse.core.admin import VisibleAdmin

from .models import Plan, PlanRule


@admin.register(Plan)
class PlanAdmin(VisibleAdmin):
    """Read only: plans are run, solved and adopted through the pages, the API and the worker."""

    list_display = ("id", "name", "kind", "state", "status", "value", "greedy_value", "gap",
                    "seconds", "created_by", "created_at")
    list_filter = ("state", "kind", "status")
    search_fields = ("name",)
    exclude = ("instance",)  # the snapshot is large: read it with export or the API

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(PlanRule)
class PlanRuleAdmin(VisibleAdmin):
    list_display = ("id", "kind", "pledge", "need", "hub", "ship_on", "quantity", "active",
                    "created_by")
    list_filter = ("kind", "active")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
