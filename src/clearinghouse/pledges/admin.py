from django.contrib import admin
from django.http import Http404

from clearinghouse.core.admin import ServiceAdmin, VisibleAdmin
from clearinghouse.security.roles import sees_donors

from .models import PLEDGE_LIFECYCLE, BackfillOrder, Pledge, StockPosition
from .services import act_on_pledge


@admin.register(Pledge)
class PledgeAdmin(ServiceAdmin):
    machine = PLEDGE_LIFECYCLE
    act = staticmethod(act_on_pledge)
    list_display = ("id", "donor", "kind", "item_type", "quantity", "amount_eur",
                    "earliest_availability", "need", "state", "below_target")
    list_filter = ("state", "kind", "below_target", "anonymous")
    search_fields = ("item_type__name", "course")
    list_select_related = ("owner", "item_type", "need")

    def get_queryset(self, request):
        return super().get_queryset(request).with_visible_references(request.user)

    def lookup_allowed(self, lookup, value, request=None):
        # Django admits any local-field lookup in the URL (?owner__id__exact=...): refuse those
        # that would single out an anonymous donor's pledges.
        revealing = ("owner", "origin_depot", "stock_position", "released_to")
        if lookup.split("__")[0] in revealing and not (request and sees_donors(request.user)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_list_filter(self, request):
        # Filtering by donor is offered only to those who see every donor.
        return ("owner", *self.list_filter) if sees_donors(request.user) else self.list_filter

    @admin.display(description="donor", ordering="shown_donor_id")
    def donor(self, pledge):
        return pledge.owner if pledge.shown_donor_id else "anonymous"

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        hidden = set()
        if obj is not None and obj.shown_donor_id is None:
            hidden |= {"owner", "origin_depot", "stock_position", "below_target_by", "released_to"}
        if obj is not None and obj.shown_need_id is None:
            hidden.add("need")
        if obj is not None and obj.shown_stock_position_id is None:
            hidden.add("stock_position")
        return [f for f in fields if f not in hidden]

    def history_view(self, request, object_id, extra_context=None):
        # Who changed an anonymous pledge would reveal its donor.
        pledge = self.get_object(request, object_id)
        if pledge is not None and pledge.shown_donor_id is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)


class BackfillInline(admin.TabularInline):
    model = BackfillOrder
    extra = 0
    fields = ("quantity", "expected_date", "reference")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockPosition)
class StockPositionAdmin(VisibleAdmin):
    list_display = ("owner", "item_type", "quantity_held", "target_minimum")
    list_select_related = ("owner", "item_type")
    inlines = [BackfillInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BackfillOrder)
class BackfillOrderAdmin(VisibleAdmin):
    list_display = ("stock_position", "quantity", "expected_date", "reference")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
