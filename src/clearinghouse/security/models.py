"""Classification and releasability carried by every record of assistance data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, When

from .roles import Audience, Classification, audiences

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


def _reader(user) -> object:
    return user.pk if user.is_authenticated else "anonymous"


class VisibleQuerySet(models.QuerySet):
    """A queryset that remembers whom it was restricted for, through every later filter,
    annotation or ``values()``: the base classes of lists, details, exports, API and admin
    refuse rows that were not (``require_visible``), so no view can forget the rule."""

    visible_for: object = None

    def _clone(self) -> Self:
        clone = super()._clone()
        clone.visible_for = self.visible_for
        return clone

    def restricted_for(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """This queryset, marked as holding only what ``user`` may see: for ``visible_to``
        and the query functions that apply a visibility rule of their own."""
        clone = self._chain()
        clone.visible_for = _reader(user)
        return clone


def require_visible(
    rows: models.QuerySet, user: AbstractBaseUser | AnonymousUser
) -> models.QuerySet:
    """``rows`` if restricted to what ``user`` may see, else a configuration error (a
    developer's mistake, caught by the first test that opens the page)."""
    if getattr(rows, "visible_for", None) != _reader(user):
        raise ImproperlyConfigured(
            f"{getattr(rows, 'model', type(rows)).__name__} rows were not restricted with "
            "visible_to(user): read them through the app's queries.py."
        )
    return rows


class ControlledQuerySet(VisibleQuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """Only the records ``user`` may see: clearance, then need to know (DESIGN.md)."""
        return self.filter(visibility_q(self.model, user)).restricted_for(user)


def visibility_q(model: type[Controlled], user: AbstractBaseUser | AnonymousUser) -> Q:
    """The filter of the records of ``model`` that ``user`` may see (``visible_to``)."""
    org_id = getattr(user, "organisation_id", None) if user.is_authenticated else None
    if org_id is None:
        return Q(pk__in=[])
    member = audiences(user)
    need_to_know = Q(owner_id=org_id)
    if Audience.COORDINATOR in member:
        need_to_know |= Q(release_coordinator=True)
    if Audience.RECIPIENT in member:
        need_to_know |= Q(release_recipient=True)
    if Audience.ALL_DONORS in member:
        need_to_know |= Q(release_all_donors=True)
    # Named releases as ``pk IN (...)``: the same rule as a correlated EXISTS, but PostgreSQL
    # costs it once rather than per row (which pushed plain lists over the JIT threshold).
    through = model.released_to.through
    named = through.objects.filter(organisation_id=org_id).values(f"{model._meta.model_name}_id")
    need_to_know |= Q(pk__in=named)
    return Q(classification__lte=user.clearance) & need_to_know


def visible_reference(
    field: str, target: type[Controlled], user: AbstractBaseUser | AnonymousUser
) -> Case:
    """``field``'s id where the record it points to is visible to ``user``, else NULL.

    A visible record must not reveal, even by id, a record the user may not see.
    """
    visible = target.objects.visible_to(user).filter(pk=OuterRef(field))
    return Case(When(Exists(visible), then=F(field)), default=None,
                output_field=models.BigIntegerField())


class Controlled(models.Model):
    """Owning organisation, classification and releasability (DESIGN.md, who sees what)."""

    owner = models.ForeignKey(
        "parties.Organisation", on_delete=models.PROTECT, related_name="+",
        help_text="The organisation that owns the record.",
    )
    classification = models.PositiveSmallIntegerField(
        choices=Classification.choices, default=Classification.RESTRICTED
    )
    release_coordinator = models.BooleanField(
        "releasable to the coordinator", default=True,
        help_text="Every record that must be cleared is releasable to the coordinator.",
    )
    release_recipient = models.BooleanField("releasable to the recipient", default=False)
    release_all_donors = models.BooleanField("releasable to all donors", default=False)
    released_to = models.ManyToManyField(
        "parties.Organisation", blank=True, related_name="+",
        help_text="Named organisations the record is also releasable to.",
    )

    objects = ControlledQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def releasability(self) -> list[str]:
        found = [
            audience
            for audience, flag in (
                (Audience.COORDINATOR, self.release_coordinator),
                (Audience.RECIPIENT, self.release_recipient),
                (Audience.ALL_DONORS, self.release_all_donors),
            )
            if flag
        ]
        return [str(a.label) for a in found]  # the words, never the codes


class PublicQuerySet(VisibleQuerySet):
    """Reference data (parties, catalogue): visible to every signed-in user, to no one else."""

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        return (self.all() if user.is_authenticated else self.none()).restricted_for(user)
