"""Factories for the domain: each builds a valid record; tests override what they check."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from clearinghouse.catalogue.models import CapabilityArea, CompatibilityFamily, ItemType
from clearinghouse.logistics.models import Delivery, Hub, Route
from clearinghouse.needs.models import Need, NeedState, Priority
from clearinghouse.parties.models import Organisation, OrganisationKind, Region, User
from clearinghouse.planning.models import Allocation, Plan, PlanState
from clearinghouse.pledges.models import (
    BackfillOrder,
    Pledge,
    PledgeKind,
    PledgeState,
    StockPosition,
    SupplierOffer,
)
from clearinghouse.security.roles import Classification, Role


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A donor nation by default."""

    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"Donor nation {n}")
    kind = OrganisationKind.DONOR_NATION
    iso3 = factory.Sequence(lambda n: "X" + chr(65 + n // 26 % 26) + chr(65 + n % 26))
    alliance_status = "ally"


class RecipientFactory(OrganisationFactory):
    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"Recipient {n}")
    kind = OrganisationKind.RECIPIENT
    alliance_status = ""


class OrgOfKindFactory(OrganisationFactory):
    """Any other kind: pass ``kind``."""

    code = factory.Sequence(lambda n: f"O{n:03d}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    iso3 = ""
    alliance_status = ""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    roles = factory.LazyFunction(lambda: [Role.DONOR_REPRESENTATIVE])
    clearance = Classification.RESTRICTED
    is_staff = True
    password = factory.django.Password("pw")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapabilityArea
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"area-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompatibilityFamily

    code = factory.Sequence(lambda n: f"family-{n}")
    name = factory.Sequence(lambda n: f"Family {n}")
    area = factory.SubFactory(AreaFactory)


class ItemTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemType

    name = factory.Sequence(lambda n: f"Item {n}")
    supply_class = "1320"
    area = factory.SubFactory(AreaFactory)
    unit_of_issue = "EA"
    indivisible = True
    unit_mass_kg = Decimal("45")
    pallets_per_unit = Decimal("0.05")
    unit_value_eur = Decimal("4000")
    lethal = True


class NeedFactory(factory.django.DjangoModelFactory):
    """A need already in ``state`` (default open), owned by a recipient."""

    class Meta:
        model = Need
        skip_postgeneration_save = True

    owner = factory.SubFactory(RecipientFactory)
    item_type = factory.SubFactory(ItemTypeFactory)
    quantity = Decimal("100")
    priority = Priority.HIGH
    required_by = factory.LazyFunction(lambda: in_days(90))
    region = factory.SubFactory(RegionFactory)
    state = NeedState.OPEN
    classification = Classification.COALITION
    release_recipient = True
    release_all_donors = True

    @factory.post_generation
    def released_to(self, create, extracted, **kwargs):
        if create and extracted:
            self.released_to.set(extracted)


class StockPositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockPosition
        skip_postgeneration_save = True

    owner = factory.SubFactory(OrganisationFactory)
    item_type = factory.SubFactory(ItemTypeFactory)
    quantity_held = Decimal("1000")
    target_minimum = Decimal("400")

    @factory.post_generation
    def released_to(self, create, extracted, **kwargs):
        if create and extracted:
            self.released_to.set(extracted)


class BackfillOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BackfillOrder

    stock_position = factory.SubFactory(StockPositionFactory)
    quantity = Decimal("200")
    expected_date = factory.LazyFunction(lambda: in_days(365))


class PledgeFactory(factory.django.DjangoModelFactory):
    """A procurement pledge already in ``state`` (default offered)."""

    class Meta:
        model = Pledge
        skip_postgeneration_save = True

    owner = factory.SubFactory(OrganisationFactory)
    kind = PledgeKind.PROCUREMENT
    item_type = factory.SubFactory(ItemTypeFactory)
    quantity = Decimal("10")
    earliest_availability = factory.LazyFunction(lambda: in_days(30))
    state = PledgeState.OFFERED
    classification = Classification.RESTRICTED

    @factory.post_generation
    def released_to(self, create, extracted, **kwargs):
        if create and extracted:
            self.released_to.set(extracted)


class HubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hub
        skip_postgeneration_save = True

    owner = factory.SubFactory(OrgOfKindFactory, kind=OrganisationKind.HUB_OPERATOR)
    code = factory.Sequence(lambda n: f"hub-{n}")
    name = factory.Sequence(lambda n: f"Hub {n}")
    country_iso3 = "POL"
    weekly_capacity_pallets = 400


class RouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Route
        skip_postgeneration_save = True

    hub = factory.SubFactory(HubFactory)
    owner = factory.LazyAttribute(lambda o: o.hub.owner)
    origin = "depot-1"
    weeks = 1


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery
        skip_postgeneration_save = True

    hub = factory.SubFactory(HubFactory)
    owner = factory.LazyAttribute(lambda o: o.hub.owner)
    region = factory.SubFactory(RegionFactory)
    weeks = 1


class SupplierOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierOffer
        skip_postgeneration_save = True

    owner = factory.SubFactory(OrgOfKindFactory, kind=OrganisationKind.COORDINATOR)
    supplier = "Supplier Ltd"
    item_type = factory.SubFactory(ItemTypeFactory)
    unit_price_eur = Decimal("1000")
    max_quantity = Decimal("50")
    available_from = factory.LazyFunction(lambda: in_days(0))
    lead_weeks = 2
    origin_depot = "depot-1"


class PlanFactory(factory.django.DjangoModelFactory):
    """A plan record as the worker leaves it (no snapshot: tests of reads need none)."""

    class Meta:
        model = Plan
        skip_postgeneration_save = True

    owner = factory.SubFactory(OrgOfKindFactory, kind=OrganisationKind.COORDINATOR)
    name = factory.Sequence(lambda n: f"Plan {n}")
    state = PlanState.ADOPTED
    start_date = dt.date(2026, 1, 5)
    instance = factory.LazyFunction(dict)
    created_by = factory.SubFactory(UserFactory, organisation=factory.SelfAttribute("..owner"))


def allocate(pledge: Pledge, need: Need | None = None, quantity: float | None = None,
             on_time: bool = True, plan: Plan | None = None) -> Allocation:
    """Units of ``pledge`` (all of them by default) for ``need`` (its own by default) in
    ``plan``, by default the adopted plan (made on first use)."""
    if plan is None:
        plan = Plan.objects.filter(state=PlanState.ADOPTED).first() or PlanFactory()
    return Allocation.objects.create(
        plan=plan, pledge=pledge, need=need or pledge.need, hub=HubFactory(), ship_week=1,
        arrival_week=2 if on_time else 40, value=1.0, on_time=on_time,
        quantity=float(pledge.quantity if quantity is None else quantity))
