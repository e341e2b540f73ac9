from django.contrib import admin

from clearinghouse.core.admin import ServiceAdmin

from .models import NEED_LIFECYCLE, Need
from .services import act_on_need


@admin.register(Need)
class NeedAdmin(ServiceAdmin):
    machine = NEED_LIFECYCLE
    act = staticmethod(act_on_need)
    list_display = ("id", "item_type", "family", "quantity", "priority", "required_by",
                    "region", "state", "classification")
    list_filter = ("state", "priority", "region", "classification")
    search_fields = ("justification", "item_type__name", "family__name")
    list_select_related = ("item_type", "family", "region")
