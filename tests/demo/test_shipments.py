"""The demo's year of shipments (demo/journey.py): an adopted plan that began 38 weeks ago, its
shipments played through the services by the right parties, in order and dated by today."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from clearinghouse.demo import journey, store, tables
from clearinghouse.logistics.models import Hub, HubClosure
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.parties.models import Organisation, OrganisationKind, User
from clearinghouse.planning.models import Plan, PlanState
from clearinghouse.security.roles import Role
from clearinghouse.shipments import receipts
from clearinghouse.shipments.models import (
    Discrepancy,
    DiscrepancyState,
    EventKind,
    Receipt,
    Resolution,
    Shipment,
    ShipmentEvent,
    ShipmentState,
)

S = ShipmentState
SMALL = 0.1
# Each step: the event it writes, the state it leaves, and who records it ("sender": the
# sending donor or the coordinator; "hub", "unit": the logistics officers taking custody).
STEPS = ((EventKind.READY, S.READY, "sender"), (EventKind.DEPARTED, S.DEPARTED, "sender"),
         (EventKind.AT_HUB, S.AT_HUB, "hub"), (EventKind.HANDED_OVER, S.HANDED_OVER, "unit"),
         (EventKind.RECEIVED, S.RECEIVED, "unit"), (EventKind.VERIFIED, S.VERIFIED, "unit"))
STEP_DAY = {EventKind.DEPARTED: "departed_on", EventKind.AT_HUB: "at_hub_on",
            EventKind.HANDED_OVER: "handed_over_on", EventKind.RECEIVED: "received_on"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo at a tenth, loaded once for the module (and emptied after it)."""
    with django_db_blocker.unblock():
        inserted = store.load(7, SMALL)
        yield inserted
        with transaction.atomic():  # foreign keys are checked at the end
            store.reset()


@pytest.fixture
def today():
    return timezone.localdate()


pytestmark = pytest.mark.django_db


def test_an_adopted_plan_that_began_38_weeks_ago(demo, today):
    [plan] = Plan.objects.all()
    assert plan.state == PlanState.ADOPTED and plan.adopted_by.username == "coordinator"
    assert plan.start_date == journey.monday(today) - dt.timedelta(weeks=38)
    assert plan.horizon_weeks == 52 and plan.start_date.weekday() == 0
    weeks = {a.ship_week for a in plan.allocations.all()}
    # It moved goods through the months gone by and moves more in those to come.
    assert min(weeks) <= 8 and max(weeks) > 38
    made = Shipment.objects.filter(plan=plan)
    assert made.count() == demo.counts["shipments"] > 0
    assert made.filter(planned_hub_on__lt=today - dt.timedelta(weeks=20)).exists()


def test_shipments_in_every_state_the_issue_names(demo, today):
    states = Counter(Shipment.objects.values_list("state", flat=True))
    for state in (S.VERIFIED, S.DEPARTED, S.AT_HUB, S.HANDED_OVER, S.RECEIVED, S.PLANNED):
        assert states[state] >= 1, (state, states)
    # Most of those due long ago are verified.
    past = Shipment.objects.filter(planned_arrival_on__lt=today - dt.timedelta(weeks=3))
    assert past.filter(state=S.VERIFIED).count() >= 0.8 * past.count() > 0
    # Late: delayed with a reason, expected after the planned arrival.
    delayed = Shipment.objects.filter(events__kind=EventKind.SLIPPED).distinct()
    assert delayed.exists()
    for s in delayed:
        assert s.late and s.state in (S.PLANNED, S.READY, S.DEPARTED)
        assert s.expected_hub_on >= today
        assert all(e.note for e in s.events.filter(kind=EventKind.SLIPPED))
    # Short, damaged or the wrong item: open discrepancies, and a few resolved.
    found = Counter(Discrepancy.objects.values_list("state", flat=True))
    assert found[DiscrepancyState.OPEN] >= 1 and found[DiscrepancyState.RESOLVED] >= 1
    assert Discrepancy.objects.filter(state=DiscrepancyState.OPEN,
                                      kind__in=("short", "damaged")).exists()
    assert demo.counts["open discrepancies"] == found[DiscrepancyState.OPEN]


def test_one_hub_closed_for_two_weeks_and_what_it_held_is_delayed(demo, today):
    [closure] = HubClosure.objects.filter(starts_on__lte=today, ends_on__gte=today)
    assert (closure.ends_on - closure.starts_on).days + 1 == 14
    assert closure.owner_id == closure.hub.owner_id and closure.history.count() == 1
    reopens = closure.ends_on + dt.timedelta(days=1)
    held = Shipment.objects.filter(hub=closure.hub, events__kind=EventKind.SLIPPED,
                                   events__note__startswith="The hub is closed").distinct()
    assert held.exists()
    for s in held:
        assert s.expected_hub_on == reopens and s.at_hub_on is None
        [told] = s.events.filter(kind=EventKind.SLIPPED)
        assert told.user.organisation_id == closure.hub.owner_id
    # Nothing reached the hub while it was closed.
    assert not Shipment.objects.filter(hub=closure.hub, at_hub_on__gte=closure.starts_on,
                                       at_hub_on__lte=closure.ends_on).exists()


def test_every_event_obeys_the_lifecycle_its_dates_and_its_parties(demo, today):
    coordination = Organisation.objects.get(code=tables.COORDINATOR[0])
    hub_owner = dict(Hub.objects.values_list("pk", "owner_id"))
    events = list(ShipmentEvent.objects.select_related("user").order_by("shipment", "pk"))
    by_shipment: dict[int, list[ShipmentEvent]] = {}
    for e in events:
        by_shipment.setdefault(e.shipment_id, []).append(e)
    for s in Shipment.objects.all():
        steps = [e for e in by_shipment[s.pk] if e.kind not in (EventKind.PLANNED,
                                                                EventKind.SLIPPED)]
        assert by_shipment[s.pk][0].kind == EventKind.PLANNED
        kinds = [e.kind for e in steps]
        assert kinds == [k for k, _, _ in STEPS][:len(kinds)], (s.pk, kinds)
        assert [e.happened_on for e in steps] == sorted(e.happened_on for e in steps)
        assert all(e.happened_on <= today for e in by_shipment[s.pk])
        assert s.state == (STEPS[len(kinds) - 1][1] if kinds else S.PLANNED)
        party = {"sender": {s.owner_id, coordination.pk}, "hub": {hub_owner[s.hub_id]},
                 "unit": {s.receiving_unit_id}}
        for e, (_, _, who) in zip(steps, STEPS, strict=False):
            assert e.organisation_id in party[who], (s.pk, e.kind, e.organisation_id)
            assert e.user.organisation_id == e.organisation_id
            if who != "sender":
                assert Role.LOGISTICS_OFFICER in e.user.roles
            if e.kind in STEP_DAY:
                assert getattr(s, STEP_DAY[e.kind]) == e.happened_on


def test_whoever_recorded_a_step_sees_the_shipment(demo):
    """The demo's parties are cleared for what they move: no step recorded on a shipment its
    recorder may not see."""
    recorded: dict[int, set[int]] = {}
    for user_id, shipment_id in ShipmentEvent.objects.values_list("user_id", "shipment_id"):
        recorded.setdefault(user_id, set()).add(shipment_id)
    for user in User.objects.filter(pk__in=list(recorded)):
        seen = set(Shipment.objects.visible_to(user).values_list("pk", flat=True))
        assert recorded[user.pk] <= seen, user.username
    assert len(recorded) > 5  # donors, hubs and units, not the coordinator alone


def test_receipts_add_up_and_needs_follow_the_verified_ones(demo):
    for r in Receipt.objects.select_related("line"):
        opened = list(r.line.discrepancies.all())
        assert sum(d.quantity for d in opened) == r.short + r.damaged + r.wrong_item
        # What turned up afterwards (resolved as found) is accepted on top of the count.
        found = sum(d.quantity for d in opened if d.resolution == Resolution.FOUND)
        assert r.accepted + r.short + r.damaged + r.wrong_item == r.line.shipped + found
        assert r.line.shipment.receiving_unit_id == r.received_by.organisation_id
    got = receipts.delivered(list(Need.objects.values_list("pk", flat=True)))
    assert got
    for need in Need.objects.filter(pk__in=list(got)):
        if got[need.pk] >= need.quantity - Decimal("0.0005"):
            assert need.state == NeedState.DELIVERED, need.pk
        else:
            assert need.state != NeedState.DELIVERED, need.pk


def test_each_hub_and_receiving_unit_has_a_logistics_officer(demo):
    staffed = {u.organisation_id for u in User.objects.all()
               if Role.LOGISTICS_OFFICER in u.roles}
    assert set(Hub.objects.values_list("owner_id", flat=True)) <= staffed
    units = Organisation.objects.filter(kind=OrganisationKind.RECIPIENT_UNIT,
                                        code__endswith="-LOG")
    assert units.count() == len(tables.REGIONS)
    assert set(units.values_list("pk", flat=True)) <= staffed
    assert set(Shipment.objects.values_list("receiving_unit_id", flat=True)) <= set(
        units.values_list("pk", flat=True))


def test_a_re_plan_from_the_demos_ground_is_a_valid_instance(demo):
    from clearinghouse.planning.snapshot import take_snapshot
    from clearinghouse.planning.solver import parse_instance

    snap = take_snapshot(User.objects.get(username="coordinator"))
    assert snap.instance["fixed"]  # goods on the road are fixed in it
    parse_instance(snap.instance)
    road = {p["id"] for p in snap.instance["pledges"] if p["id"][0] in "MB"}
    assert road == {f["pledge"] for f in snap.instance["fixed"]}


def test_same_seed_same_digest_and_the_digest_covers_the_journey(demo, today):
    store.load(7, SMALL, reset_first=True, today=today)
    first = store.digest()
    assert Shipment.objects.exists()
    store.load(7, SMALL, reset_first=True, today=today)
    assert store.digest() == first
    event = ShipmentEvent.objects.filter(kind=EventKind.RECEIVED).first()
    ShipmentEvent.objects.filter(pk=event.pk).update(happened_on=event.happened_on
                                                     - dt.timedelta(days=1))
    assert store.digest() != first
