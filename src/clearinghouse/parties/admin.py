import rules
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.core.admin import VisibleAdmin
from clearinghouse.security.roles import Role

from . import second_factor
from .models import ApiToken, Organisation, Region, User

# django-otp's own pages for devices would show secret keys and recovery codes, and let an
# administrator make a device for someone else: the user admin's action below removes a lost
# one instead, and its owner sets up a new one.
for device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device):
        admin.site.unregister(device)


@admin.register(Region)
class RegionAdmin(VisibleAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Organisation)
class OrganisationAdmin(VisibleAdmin):
    list_display = ("code", "name", "kind", "alliance_status", "gdp_eur", "gdp_year",
                    "non_lethal_only")
    list_filter = ("kind", "alliance_status", "non_lethal_only")
    search_fields = ("code", "name", "iso3")


class UserForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin, VisibleAdmin):
    form = UserForm
    list_display = ("username", "organisation", "clearance", "roles", "is_staff", "is_active")
    list_filter = ("clearance", "is_staff", "organisation__kind")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Clearinghouse", {"fields": ("organisation", "roles", "clearance")}),
    )
    actions = ["remove_second_factor"]

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool
    ) -> None:
        obj.save()

    @admin.action(description="Remove two-step sign-in (lost phone and recovery codes)",
                  permissions=["change"])
    def remove_second_factor(self, request: HttpRequest, queryset) -> None:
        for user in queryset:
            second_factor.remove(user)
        self.message_user(request, f"Two-step sign-in removed from {queryset.count()} "
                                   "account(s): each signs in with its password and sets it "
                                   "up again.")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see who holds which key (its first characters), since when, until when,
    and revoke it; no page shows a key, which only its owner saw, once."""

    list_display = ("start", "user", "name", "created_at", "expires_at", "last_used_at",
                    "revoked_at", "second_factor")
    list_filter = ("revoked_at", "second_factor")
    search_fields = ("user__username", "name", "start")
    readonly_fields = ("user", "name", "start", "created_at", "expires_at", "last_used_at",
                       "revoked_at", "second_factor")
    actions = ["revoke"]

    def _administrator(self, request: HttpRequest) -> bool:
        return request.user.is_active and rules.has_perm("parties.change_user", request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return self._administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset) -> None:
        for token in queryset:
            token.revoke()
        self.message_user(request, f"{queryset.count()} key(s) revoked.")
