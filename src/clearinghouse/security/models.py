"""Classification and releasability carried by every record of assistance data."""

from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, When

from .roles import Audience, Classification, audiences


class ControlledQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only the records ``user`` may see: clearance, then need to know (DESIGN.md)."""
        return self.filter(visibility_q(self.model, user))


def visibility_q(model, user) -> Q:
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


def visible_reference(field: str, target, user):
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
        return [str(a) for a in found]


class PublicQuerySet(models.QuerySet):
    """Reference data (parties, catalogue): visible to every signed-in user, to no one else."""

    def visible_to(self, user):
        return self if user.is_authenticated else self.none()
