from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse

from clearinghouse.core.admin import ServiceAdmin, VisibleAdmin
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import Organisation
from clearinghouse.security.roles import sees_donors

from .models import (
    DONOR_REVEALING,
    PLEDGE_LIFECYCLE,
    BackfillOrder,
    Pledge,
    StockPosition,
    SupplierOffer,
)
from .services import act_on_pledge


@admin.register(Pledge)
class PledgeAdmin(ServiceAdmin):
    machine = PLEDGE_LIFECYCLE
    act = staticmethod(act_on_pledge)
    # No below-target column or filter: the flag tells of the donor's stock position, which a
    # reader of the pledge may not see (the pages and the API show it only to those who do).
    list_display = ("id", "donor", "kind", "item_type", "quantity", "amount_eur",
                    "earliest_availability", "need", "state")
    list_filter = ("state", "kind", "anonymous")
    search_fields = ("item_type__name", "course")
    list_select_related = ("owner", "item_type", "need")

    def lookup_allowed(
        self, lookup: str, value: str, request: HttpRequest | None = None
    ) -> bool:
        # Django admits any local-field lookup in the URL (?owner__id__exact=...): refuse those
        # that would single out an anonymous donor's pledges.
        field = lookup.split("__")[0].removesuffix("_id")
        if field in DONOR_REVEALING and not (request and sees_donors(request.user)):
            return False
        if field == "below_target":  # tells of a stock position the reader may not see
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_list_filter(self, request: HttpRequest) -> tuple[Any, ...]:
        # Filtering by donor is offered only to those who see every donor.
        return ("owner", *self.list_filter) if sees_donors(request.user) else self.list_filter

    @admin.display(description="donor", ordering="shown_donor_id")
    def donor(self, pledge: Pledge) -> Organisation | str:
        return pledge.owner if pledge.shown_donor_id else "anonymous"

    def get_fields(self, request: HttpRequest, obj: Pledge | None = None) -> list[Any]:
        hidden = self._hidden_fields(request, obj)
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def _hidden_fields(self, request, pledge) -> set[str]:
        """Fields of ``pledge`` (current or a past version) the user may not see."""
        if pledge is None:
            return set()
        user, hidden = request.user, set()
        if self._donor_hidden(request, pledge.pk):
            hidden |= set(DONOR_REVEALING)
        if pledge.need_id and not Need.objects.visible_to(user).filter(pk=pledge.need_id):
            hidden.add("need")
        position = pledge.stock_position_id
        if position and not StockPosition.objects.visible_to(user).filter(pk=position):
            hidden.add("stock_position")
        return hidden

    def _donor_hidden(self, request, pk) -> bool:
        current = self.get_queryset(request).filter(pk=pk).values("shown_donor_id").first()
        return current is None or current["shown_donor_id"] is None

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Iterable[Any],
        foreign_keys_are_objs: bool = True,
    ) -> None:
        """The admin's history list, without the fields this reader may not see."""
        previous = None
        for current in historical_records:
            if previous is not None:
                hidden = (self._hidden_fields(request, previous.instance)
                          | self._hidden_fields(request, current.instance))
                delta = previous.diff_against(current, excluded_fields=hidden,
                                              foreign_keys_are_objs=foreign_keys_are_objs)
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        # Who changed an anonymous pledge would reveal its donor.
        if self._donor_hidden(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if self._donor_hidden(request, object_id):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

class BackfillInline(admin.TabularInline):
    model = BackfillOrder
    extra = 0
    fields = ("quantity", "expected_date", "reference")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(StockPosition)
class StockPositionAdmin(VisibleAdmin):
    list_display = ("owner", "item_type", "quantity_held", "target_minimum")
    list_select_related = ("owner", "item_type")
    inlines = [BackfillInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(BackfillOrder)
class BackfillOrderAdmin(VisibleAdmin):
    list_display = ("stock_position", "quantity", "expected_date", "reference")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(SupplierOffer)
class SupplierOfferAdmin(VisibleAdmin):
    list_display = ("supplier", "item_type", "unit_price_eur", "max_quantity", "available_from",
                    "lead_weeks", "origin_depot")
    list_filter = ("supplier",)
    search_fields = ("supplier", "item_type__name", "origin_depot")
    list_select_related = ("item_type",)
