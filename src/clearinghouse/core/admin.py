"""Admin base: the same visibility, rules, lifecycle and concurrency as the API."""

from collections.abc import Callable
from typing import Any

import rules
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from clearinghouse.security.models import Controlled, require_visible, visible_reference
from clearinghouse.security.roles import above_clearance

from .lifecycle import save_versioned


class VersionedForm(forms.ModelForm):
    """Carries the version the user read; a stale save is refused with a message, not lost.
    A classification above the writer's clearance is refused on its field."""

    writer = None  # the signed-in user, bound per request by VisibleAdmin.get_form

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        refusal = above_clearance(self.writer, data.get("classification"))
        if refusal:
            self.add_error("classification", refusal)
        if self.instance.pk:
            current = type(self.instance).objects.filter(pk=self.instance.pk).values_list(
                "version", flat=True
            ).first()
            if data.get("expected_version") != current:
                raise ValidationError(
                    "Someone else changed this record since you opened it (now version "
                    f"{current}). Reload the page and apply your change again."
                )
        return data


def _shown_if_visible(name: str, label: str) -> Callable[[Model], Any]:
    @admin.display(description=label, ordering=f"shown_{name}_id")
    def column(row: Model) -> Any:
        return getattr(row, name) if getattr(row, f"shown_{name}_id", None) else "not shown"

    return column


class VisibleRelatedFilter(admin.RelatedFieldListFilter):
    """A filter by a controlled record offers only those the reader sees."""

    def field_choices(self, field, request, model_admin) -> list[tuple[Any, str]]:
        visible = field.related_model.objects.visible_to(request.user).values("pk")
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": visible},
            ordering=self.field_admin_ordering(field, request, model_admin))


def _controls(field: Any) -> bool:
    return bool(field.is_relation and field.related_model
                and issubclass(field.related_model, Controlled))


class VisibleAdmin(SimpleHistoryAdmin):
    """Lists only what ``visible_to(user)`` allows and asks `rules` for every permission.

    Superusers get no exemption: administrators have no back door to assistance data.
    """

    form = VersionedForm
    list_select_related = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in vars(cls):
            raise TypeError(f"{cls.__name__}: the admin reads through visible_to(user) alone.")

    def __init__(self, model: type[Model], admin_site: admin.AdminSite) -> None:
        super().__init__(model, admin_site)
        fields = {f.name: f for f in model._meta.fields}
        self.list_filter = tuple(
            (name, VisibleRelatedFilter)
            if isinstance(name, str) and name in fields and _controls(fields[name]) else name
            for name in self.list_filter)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> forms.Field | None:
        if _controls(db_field):  # a form offers only the records its writer sees
            kwargs["queryset"] = db_field.related_model.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Model | None = None, change: bool = False,
                 **kwargs: Any) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"writer": request.user})

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = require_visible(self.model.objects.visible_to(request.user), request.user)
        # A column pointing to a controlled record shows it only where the reader sees it.
        return rows.annotate(**{
            f"shown_{name}_id": visible_reference(f"{name}_id", target, request.user)
            for name, target in self._controlled_columns()
        })

    def _controlled_columns(self) -> list[tuple[str, type[Controlled]]]:
        """The list's columns that are foreign keys to controlled records."""
        fields = {f.name: f for f in self.opts.fields}
        return [(name, fields[name].related_model) for name in self.list_display
                if isinstance(name, str) and name in fields and _controls(fields[name])]

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        masked = {name: _shown_if_visible(name, self.opts.get_field(name).verbose_name)
                  for name, _ in self._controlled_columns()}
        return [masked.get(name, name) if isinstance(name, str) else name
                for name in super().get_list_display(request)]

    def _allowed(self, request, action, obj=None) -> bool:
        opts = self.opts
        return request.user.is_active and request.user.is_staff and rules.has_perm(
            f"{opts.app_label}.{action}_{opts.model_name}", request.user, obj
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, "view")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, "view", obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, "change", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, "delete", obj)

    def _require_visible(self, request, object_id) -> None:
        # django-simple-history falls back to the history of records outside get_queryset
        # (meant for deleted ones) and its version page never asks: an invisible record is 404.
        try:
            visible = self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(
        self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            save_versioned(obj, form.cleaned_data.get("expected_version"))
        else:
            obj.save()


class ServiceAdmin(VisibleAdmin):
    """Assistance records: read and act here; create and edit through the API and pages,
    whose services apply every domain rule. Lifecycle actions call the same services."""

    machine = None
    act = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, tuple[Callable, str, str]]:
        found = super().get_actions(request)
        for name in self.machine.transitions:
            found[f"lifecycle_{name}"] = (
                _lifecycle_action(name), f"lifecycle_{name}",
                f"{name.replace('_', ' ').capitalize()} the selected "
                f"{self.opts.verbose_name_plural}",
            )
        return found


def _lifecycle_action(name):
    def run(modeladmin: ServiceAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        """All or nothing: if one record refuses, none changes and the reasons are listed."""
        records = list(queryset)
        try:
            with transaction.atomic():
                for record in records:
                    type(modeladmin).act(request.user, record, name)
        except (ValidationError, PermissionDenied) as exc:
            reasons = "; ".join(getattr(exc, "messages", [str(exc)]))
            modeladmin.message_user(
                request, f"Nothing changed. {record}: {reasons}", messages.ERROR
            )
            return
        modeladmin.message_user(request, f"{name}: {len(records)} done.", messages.SUCCESS)

    return run
