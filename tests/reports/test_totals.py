"""Start pages sum and rank coverage in SQL: the same numbers and rows as planning/queries.py.

A seeded world of needs, pledges and the allocations of an adopted and a superseded plan (every
state, kind, classification and releasability, anonymous donors, over-pledged needs, family
needs, units on time and late) is read by each role's start page and by
a reference that applies ``coverage_for`` to every need the reader sees and sums, sorts and
cuts in Python, as the pages did before. The limits are lowered so that they bite.
"""

import random
from decimal import Decimal

import pytest

from clearinghouse.needs.models import PLEDGEABLE_STATES, Need, NeedState, Priority
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.planning.models import Allocation, Plan, PlanState
from clearinghouse.planning.queries import coverage_for
from clearinghouse.pledges.models import Pledge, PledgeKind, PledgeState, StockPosition
from clearinghouse.reports import dashboards
from clearinghouse.reports.totals import leading
from clearinghouse.security.roles import Classification, Role
from tests.factories import (
    AreaFactory,
    FamilyFactory,
    HubFactory,
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    OrgOfKindFactory,
    PledgeFactory,
    StockPositionFactory,
    UserFactory,
    in_days,
)

pytestmark = pytest.mark.django_db

D = Decimal
GOODS = (PledgeKind.STOCK, PledgeKind.PROCUREMENT)
NEED_STATES = (NeedState.DRAFT, NeedState.SUBMITTED, NeedState.VALIDATED, NeedState.OPEN,
               NeedState.PARTLY_COVERED, NeedState.COVERED, NeedState.DELIVERED)
QUANTITIES = [D("1"), D("2.5"), D("7"), D("10"), D("40"), D("100")]
PLEDGED = [D("1"), D("2"), D("4.5"), D("10"), D("30"), D("250")]


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setattr(dashboards, "LIST_LIMIT", 4)
    monkeypatch.setattr(dashboards, "GROUP_LIMIT", 2)


def build_world(seed, recipient, donor_org, coordinator):
    rnd = random.Random(seed)
    unit = OrgOfKindFactory(kind=OrganisationKind.RECIPIENT_UNIT, parent=recipient,
                            name="Eastern command")
    others = [OrganisationFactory(name="Secretland"), OrganisationFactory(name="Thirdland")]
    areas = [AreaFactory(code="artillery", name="Artillery"),
             AreaFactory(code="air-defence", name="Air defence")]
    items = [ItemTypeFactory(area=rnd.choice(areas), unit_value_eur=D(rnd.choice(
        ["100", "2500", "9000", "4000.50"]))) for _ in range(4)]
    family = FamilyFactory(area=areas[0])
    items += [ItemTypeFactory(area=areas[0], family=family, unit_value_eur=D("3000")),
              ItemTypeFactory(area=areas[0], family=family, unit_value_eur=D("2500"))]
    empty_family = FamilyFactory(area=areas[1])  # no item: missing value unknown
    StockPositionFactory(owner=donor_org, item_type=items[0])
    StockPositionFactory(owner=donor_org, item_type=items[4])  # the family is stocked too
    needs = []
    for _ in range(36):
        what = rnd.choice(["item"] * 4 + ["family", "empty"])
        needs.append(NeedFactory(
            owner=rnd.choice([recipient, recipient, unit]),
            item_type=rnd.choice(items) if what == "item" else None,
            family={"item": None, "family": family, "empty": empty_family}[what],
            quantity=rnd.choice(QUANTITIES), priority=rnd.choice(Priority.values),
            required_by=in_days(rnd.randrange(10, 60)),
            state=rnd.choice(NEED_STATES), classification=rnd.choice(Classification.values),
            release_recipient=rnd.random() < 0.9, release_all_donors=rnd.random() < 0.8,
        ))
    # A critical gap of unknown value: ranked as if worth nothing, not first.
    needs.append(NeedFactory(owner=recipient, item_type=None, family=empty_family,
                             priority=Priority.CRITICAL, state=NeedState.OPEN))
    for _ in range(110):
        need = rnd.choice(needs)
        kind = rnd.choice([*GOODS, *GOODS, PledgeKind.FUNDING])
        goods = kind in GOODS
        PledgeFactory(
            owner=rnd.choice([donor_org, *others]), need=need, kind=kind,
            item_type=(need.item_type or items[4]) if goods else None,
            quantity=rnd.choice(PLEDGED) if goods else None,
            amount_eur=None if goods else D("1000"),
            state=rnd.choice(PledgeState.values), classification=rnd.choice(Classification.values),
            release_recipient=rnd.random() < 0.6, release_all_donors=rnd.random() < 0.5,
            release_coordinator=rnd.random() < 0.9, anonymous=rnd.random() < 0.3,
            released_to=[donor_org] if rnd.random() < 0.15 else [],
        )
    hub = HubFactory()
    plans = [Plan.objects.create(owner=coordinator.organisation, name=f"Plan {state}",
                                 state=state, start_date=in_days(0), instance={},
                                 created_by=coordinator)
             for state in (PlanState.ADOPTED, PlanState.SUPERSEDED)]
    goods = list(Pledge.objects.filter(kind__in=GOODS))
    for _ in range(60):
        Allocation.objects.create(
            plan=rnd.choice(plans), pledge=rnd.choice(goods), need=rnd.choice(needs), hub=hub,
            ship_week=1, arrival_week=2, quantity=rnd.choice([0.5, 2, 7.25, 40]), value=1.0,
            on_time=rnd.random() < 0.7)


@pytest.fixture(params=[1, 2, 3])
def world(request, recipient, donor_org, coordinator):
    build_world(request.param, recipient, donor_org, coordinator)


# --- the reference: coverage_for over every need seen, summed and sorted in Python ----------


def reference_total(coverages) -> dict:
    total = {"quantity": 0, "covered": 0, "late": 0, "accepted": 0, "pledged": 0, "missing": 0,
             "count": 0}
    for c in coverages:
        left = c.quantity
        for part in ("covered", "late", "accepted", "pledged"):
            share = min(getattr(c, part), left)
            total[part] += share
            left -= share
        total["quantity"] += c.quantity
        total["missing"] += c.missing
        total["count"] += 1
    return total


def shown_total(total) -> dict:
    return {k: getattr(total, k) for k in
            ("quantity", "covered", "late", "accepted", "pledged", "missing", "count")}


def area_of(need) -> str:
    return need.item_type.area.name if need.item_type_id else need.family.area.name


def grouped(needs, coverage, key) -> list[tuple[str, dict]]:
    groups: dict[str, list] = {}
    for need in needs:
        groups.setdefault(key(need), []).append(coverage[need.pk])
    return [(label, reference_total(covs)) for label, covs in groups.items()]


def seen(user, **filters):
    needs = list(Need.objects.visible_to(user).filter(**filters)
                 .select_related("item_type__area", "family__area"))
    return needs, coverage_for(needs, user)


def pledge_level(user, needs) -> int:
    """The highest classification of the goods pledges counted and of the pledges the adopted
    plan's counted allocations come from."""
    pks = [n.pk for n in needs]
    levels = [*Pledge.objects.visible_to(user).filter(need__in=pks, kind__in=GOODS)
              .values_list("classification", flat=True),
              *(a.pledge.classification for a in Allocation.objects.visible_to(user)
                .filter(plan__state=PlanState.ADOPTED, need__in=pks).select_related("pledge"))]
    return max(levels, default=Classification.PUBLIC)


def assert_totals(page, needs, coverage, overall):
    by_priority = sorted(needs, key=lambda n: (n.priority, n.required_by, n.pk))
    expected = grouped(by_priority, coverage, lambda n: Priority(n.priority).label)
    assert [(t.label, shown_total(t)) for t in page["priorities"]] == expected
    expected = sorted(grouped(needs, coverage, area_of))
    assert [(t.label, shown_total(t)) for t in page["areas"]] == expected
    assert page["overall"].label == overall
    assert shown_total(page["overall"]) == reference_total(coverage[n.pk] for n in needs)


def assert_rows(rows, coverage, pks):
    assert [r.need.pk for r in rows] == pks
    for r in rows:
        assert r.coverage == coverage[r.need.pk], r.need.pk


# --- the pages against it ------------------------------------------------------------------


def test_coordinator_page_equals_the_reference(world, coordinator):
    page = dashboards.coordinator_page(coordinator)
    needs, coverage = seen(coordinator, state__in=PLEDGEABLE_STATES)
    assert needs  # the world has open needs
    assert_totals(page, needs, coverage, "All open needs")

    def unit_value(n):
        if n.item_type_id:
            return n.item_type.unit_value_eur
        return min((i.unit_value_eur for i in n.family.items.all()), default=None)

    gaps = [n for n in needs if coverage[n.pk].missing > 0]
    value = {n.pk: (coverage[n.pk].missing * unit_value(n)
                    if unit_value(n) is not None else None) for n in gaps}
    gaps.sort(key=lambda n: (n.priority, -(value[n.pk] or 0), n.required_by, n.pk))
    assert_rows(page["gaps"], coverage, [n.pk for n in gaps[:dashboards.LIST_LIMIT]])
    for row in page["gaps"]:
        assert row.missing_value == value[row.need.pk]
        assert row.value_is_cheapest == (row.need.item_type_id is None
                                         and row.missing_value is not None)
    assert page["gaps_total"] == len(gaps)
    assert page["gaps_value"] == sum(v for v in value.values() if v is not None)
    queues = [*Need.objects.visible_to(coordinator).filter(state=NeedState.SUBMITTED),
              *Pledge.objects.visible_to(coordinator).filter(state=PledgeState.OFFERED)]
    assert page["level"] == max([pledge_level(coordinator, needs),
                                *(r.classification for r in [*needs, *queues])])


def test_recipient_page_equals_the_reference(world, planner, recipient):
    page = dashboards.recipient_page(planner)
    needs, coverage = seen(planner, state__in=dashboards.ACTIVE_NEED_STATES)
    needs = [n for n in needs if n.owner_id == recipient.pk or n.owner.parent_id == recipient.pk]
    assert needs
    assert_totals(page, needs, coverage, "All active needs")
    for group in page["priorities"]:
        rows = sorted((n for n in needs if Priority(n.priority).label == group.label),
                      key=lambda n: (n.required_by, n.pk))
        assert_rows(group.shown, coverage, [n.pk for n in rows[:dashboards.GROUP_LIMIT]])
        assert group.more == len(rows) - len(group.shown)
    mine = [n for n in Need.objects.visible_to(planner)
            if n.owner_id == recipient.pk or n.owner.parent_id == recipient.pk]
    assert page["level"] == max([pledge_level(planner, needs), *(n.classification for n in mine)])


@pytest.mark.parametrize("reader", ["donor", "other_donor"])
def test_donor_page_equals_the_reference(world, reader, request, donor_org):
    if reader == "donor":
        user = request.getfixturevalue("donor")
    else:
        other = OrganisationFactory(name="Fourthland")
        user = UserFactory(organisation=other, roles=[Role.DONOR_REPRESENTATIVE],
                           clearance=Classification.COALITION)
    page = dashboards.donor_page(user)
    needs, coverage = seen(user, state__in=dashboards.ASKED_STATES)
    held = StockPosition.objects.visible_to(user).filter(owner_id=user.organisation_id)
    items = {s.item_type_id for s in held}
    families = {s.item_type.family_id for s in held if s.item_type.family_id}
    asked = [n for n in needs if coverage[n.pk].missing > 0]
    stocked = {n.pk for n in asked if n.item_type_id in items or n.family_id in families}
    asked.sort(key=lambda n: (n.pk not in stocked, n.priority, n.required_by, n.pk))
    assert_rows(page["asked"], coverage, [n.pk for n in asked[:dashboards.LIST_LIMIT]])
    assert [r.stocked for r in page["asked"]] == [r.need.pk in stocked for r in page["asked"]]
    assert page["asked_total"] == len(asked)
    assert page["asked_stocked"] == len(stocked)
    own = Pledge.objects.visible_to(user).filter(owner_id=user.organisation_id)
    assert page["level"] == max([pledge_level(user, needs),
                                *(r.classification for r in [*asked, *held, *own])])


def test_leading_groups_hold_the_first_rows():
    assert leading([("a", 2), ("b", 0), ("c", 3), ("d", 5)], 4) == ["a", "c"]
    assert leading([("a", 4), ("b", 1)], 4) == ["a"]
    assert leading([("a", 1), ("b", 1)], 4) == ["a", "b"]
    assert leading([], 4) == []
