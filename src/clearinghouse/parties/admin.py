from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenProxy

from clearinghouse.core.admin import VisibleAdmin
from clearinghouse.security.roles import Role

from .models import Organisation, Region, User

# An API key is its owner's password: no admin page shows one (an administrator holding the
# coordinator's key could read as the coordinator). Users create theirs at /api/token/.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


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

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool
    ) -> None:
        obj.save()
