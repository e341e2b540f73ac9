"""Organisations, regions and users (DESIGN.md, Users and roles; Domain: Organisation), and
the users' API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from clearinghouse.core.chain import History
from clearinghouse.core.lifecycle import Versioned
from clearinghouse.security.models import PublicQuerySet
from clearinghouse.security.roles import ROLE_ORGANISATION_KINDS, Classification, Role


class Region(Versioned):
    """A region of the recipient nation: destination of needs, home of receiving units."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)

    objects = PublicQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    DONOR_NATION = "donor_nation", "Donor nation"
    DONOR_ORGANISATION = "donor_organisation", "Donor organisation"
    RECIPIENT = "recipient", "Recipient"
    RECIPIENT_UNIT = "recipient_unit", "Recipient unit"
    COORDINATOR = "coordinator", "Coordinator"
    HUB_OPERATOR = "hub_operator", "Hub operator"
    OVERSIGHT = "oversight", "Oversight"
    PLATFORM = "platform", "Platform operator"


class AllianceStatus(models.TextChoices):
    ALLY = "ally", "Ally"
    PARTNER = "partner", "Partner"


class Organisation(Versioned):
    code = models.CharField(
        max_length=16, unique=True,
        validators=[RegexValidator(r"^[A-Z0-9-]+$", "Use capital letters, digits and '-'.")],
        help_text="Short code; ISO 3166 alpha-3 for a donor nation.",
    )
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=24, choices=OrganisationKind.choices)
    iso3 = models.CharField(
        "ISO 3166 alpha-3", max_length=3, blank=True, default="",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Three capital letters (ISO 3166 alpha-3).")],
    )
    alliance_status = models.CharField(
        max_length=8, choices=AllianceStatus.choices, blank=True, default=""
    )
    gdp_eur = models.DecimalField(
        "GDP in EUR", max_digits=15, decimal_places=0, null=True, blank=True
    )
    gdp_year = models.PositiveSmallIntegerField("GDP year", null=True, blank=True)
    gdp_source = models.CharField("GDP source", max_length=300, blank=True, default="")
    non_lethal_only = models.BooleanField(
        default=False, help_text="May give only non-lethal goods (e.g. a non-lethal trust fund)."
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="units",
        help_text="For a recipient unit: the recipient it belongs to.",
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)

    objects = PublicQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_donor(self) -> bool:
        return self.kind in (OrganisationKind.DONOR_NATION, OrganisationKind.DONOR_ORGANISATION)

    @property
    def is_recipient_side(self) -> bool:
        return self.kind in (OrganisationKind.RECIPIENT, OrganisationKind.RECIPIENT_UNIT)

    def clean(self) -> None:
        errors = {}
        if self.kind == OrganisationKind.DONOR_NATION:
            if not self.iso3:
                errors["iso3"] = "A donor nation needs its ISO 3166 alpha-3 code."
            if not self.alliance_status:
                errors["alliance_status"] = "A donor nation is an ally or a partner."
        elif self.alliance_status:
            errors["alliance_status"] = "Only a donor nation is an ally or a partner."
        if self.gdp_eur is not None:
            if self.gdp_eur <= 0:
                errors["gdp_eur"] = "GDP must be positive."
            if not self.gdp_year:
                errors["gdp_year"] = "State the year of the GDP figure."
            if not self.gdp_source:
                errors["gdp_source"] = "Cite the source of the GDP figure."
        if self.kind == OrganisationKind.RECIPIENT_UNIT:
            if self.parent is None or self.parent.kind != OrganisationKind.RECIPIENT:
                errors["parent"] = "A recipient unit belongs to the recipient."
            if self.region_id is None:
                errors["region"] = "A recipient unit is stationed in a region."
        elif self.parent_id is not None:
            errors["parent"] = "Only a recipient unit has a parent organisation."
        if errors:
            raise ValidationError(errors)


class UserManager(DjangoUserManager.from_queryset(PublicQuerySet)):
    """Accounts: ``visible_to`` as the other reference data (who may open them is rules.py's,
    administrators only), so the admin's one choke point serves them too."""


class User(AbstractUser):
    objects = UserManager()

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        help_text="Users belong to one organisation; without one they see no assistance data.",
    )
    roles = models.JSONField(default=list, blank=True, help_text="Roles from DESIGN.md.")
    clearance = models.PositiveSmallIntegerField(
        choices=Classification.choices, default=Classification.PUBLIC
    )

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.roles, list):
            raise ValidationError({"roles": "Roles are a list."})
        unknown = sorted(set(map(str, self.roles)) - set(Role.values))
        if unknown:
            raise ValidationError({"roles": f"Unknown roles: {', '.join(unknown)}."})
        kind = self.organisation.kind if self.organisation_id else None
        misfits = [r for r in self.roles if kind not in ROLE_ORGANISATION_KINDS[r]]
        if misfits:
            raise ValidationError({"roles": (
                f"{', '.join(misfits)} cannot be held in "
                f"{'no organisation' if kind is None else f'a {kind} organisation'}."
            )})


# -- API tokens: stored hashed, shown once, expiring, listed and revoked by their owner ------
# A key is "ch_" and 43 random characters. Only its SHA-256 digest and its first characters
# (to tell keys apart) are kept, so no page, export or backup shows a usable key. SHA-256
# suffices for keys this random (nothing to guess, unlike passwords), and keeps each request's
# check to one indexed lookup.

PREFIX = "ch_"
SHOWN = 10  # characters kept in clear: "ch_" and 7 of the key


def digest(key: str) -> str:
    """What is kept of an API key."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> ApiTokenQuerySet:
        """Neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="",
                            help_text="What the key is for, to tell keys apart.")
    start = models.CharField(max_length=SHOWN, editable=False,
                             help_text="The key's first characters, to recognise it.")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    second_factor = models.BooleanField(
        default=False, editable=False,
        help_text="Given for a second factor (a code) as well as the password: an account that "
                  "must have one (coordinators, administrators, in production) uses no other key.")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.start}… ({self.user})"

    @classmethod
    def issue(cls, user, name: str = "", days: int | None = None,
              second_factor: bool = False) -> tuple[ApiToken, str]:
        """A new token for ``user`` and its key, which is not kept: show it once.
        ``second_factor``: given for a code of the user's second factor as well."""
        key = PREFIX + secrets.token_urlsafe(32)
        days = days or settings.CLEARINGHOUSE_TOKEN_DAYS
        token = cls.objects.create(user=user, name=name, start=key[:SHOWN],
                                   key_digest=digest(key), second_factor=second_factor,
                                   expires_at=timezone.now() + timedelta(days=days))
        return token, key

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
