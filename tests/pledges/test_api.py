"""Pledges, stock positions and backfill orders through the API: each rule's bad input, its
named error, and nothing changed."""

from decimal import Decimal

import pytest
from django.test import Client

from clearinghouse.needs.models import NeedState
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.pledges.models import BackfillOrder, Pledge, PledgeState, StockPosition
from clearinghouse.security.roles import Classification, Role
from tests.factories import (
    BackfillOrderFactory,
    FamilyFactory,
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    PledgeFactory,
    StockPositionFactory,
    UserFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shells():
    return ItemTypeFactory(name="155 mm projectile", lethal=True, indivisible=True)


@pytest.fixture
def fuel():
    return ItemTypeFactory(name="Diesel", lethal=False, indivisible=False, unit_of_issue="LI")


@pytest.fixture
def trust_fund_rep():
    fund = OrganisationFactory(
        kind=OrganisationKind.DONOR_ORGANISATION, code="NLTF", name="Non-lethal trust fund",
        iso3="", alliance_status="", non_lethal_only=True,
    )
    return UserFactory(organisation=fund, roles=[Role.DONOR_REPRESENTATIVE])


def body(item=None, **over):
    data = {"kind": "procurement", "item_type": item.pk if item else None, "quantity": "100",
            "earliest_availability": str(in_days(20))}
    data.update(over)
    return data


def stored():
    return (list(Pledge.objects.order_by("pk").values()),
            list(StockPosition.objects.order_by("pk").values()))


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"quantity": "0"}, "quantity", "positive"),
        ({"quantity": "-1"}, "quantity", ""),
        ({"quantity": "10.5"}, "quantity", "whole"),
        ({"quantity": None}, "quantity", "positive"),
        ({"item_type": None}, "item_type", "names the item"),
        ({"amount_eur": "1000"}, "amount_eur", "Only a funding"),
        ({"places": 5}, "places", "Only a training"),
        ({"kind": "barter"}, "kind", ""),
        ({"earliest_availability": "tomorrow"}, "earliest_availability", ""),
        ({"need": 987654}, "need", ""),
    ],
)
def test_bad_goods_pledge_refused_by_field(api, donor, shells, over, field, words):
    before = stored()
    reply = api.as_(donor).post("/api/pledges/", body(shells, **over), format="json")
    assert reply.status_code == 400, reply.json()
    assert field in reply.json()
    assert words in " ".join(reply.json()[field])
    assert stored() == before


def test_non_lethal_donor_cannot_pledge_a_lethal_item(api, trust_fund_rep, shells):
    reply = api.as_(trust_fund_rep).post("/api/pledges/", body(shells), format="json")
    assert reply.status_code == 400
    assert "lethal" in reply.json()["item_type"][0]
    assert not Pledge.objects.exists()


def test_non_lethal_donor_may_pledge_non_lethal_goods(api, trust_fund_rep, fuel):
    reply = api.as_(trust_fund_rep).post("/api/pledges/", body(fuel, quantity="2500.5"),
                                         format="json")
    assert reply.status_code == 201, reply.json()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"funding_non_lethal_only": False}, "funding_non_lethal_only"),
        ({"funding_items": "LETHAL"}, "funding_items"),
        ({"amount_eur": "0"}, "amount_eur"),
    ],
)
def test_non_lethal_fund_cannot_fund_lethal_goods(api, trust_fund_rep, shells, fuel, over, field):
    data = {"kind": "funding", "amount_eur": "5000000", "funding_non_lethal_only": True,
            "funding_items": [fuel.pk], "earliest_availability": str(in_days(10))}
    data.update(over)
    if data["funding_items"] == "LETHAL":
        data["funding_items"] = [fuel.pk, shells.pk]
    reply = api.as_(trust_fund_rep).post("/api/pledges/", data, format="json")
    assert reply.status_code == 400, reply.json()
    assert field in reply.json()
    assert not Pledge.objects.exists()


def test_funding_pledge_limited_to_items(api, donor, shells):
    data = {"kind": "funding", "amount_eur": "25000000", "funding_items": [shells.pk],
            "earliest_availability": str(in_days(10))}
    reply = api.as_(donor).post("/api/pledges/", data, format="json")
    assert reply.status_code == 201, reply.json()
    assert reply.json()["funding_items"] == [shells.pk]
    assert reply.json()["value_eur"] == "25000000.00"


def test_non_lethal_funding_cannot_answer_a_lethal_need(api, trust_fund_rep, shells):
    need = NeedFactory(item_type=shells)
    data = {"kind": "funding", "amount_eur": "1000", "funding_non_lethal_only": True,
            "need": need.pk, "earliest_availability": str(in_days(10))}
    reply = api.as_(trust_fund_rep).post("/api/pledges/", data, format="json")
    assert reply.status_code == 400 and "lethal" in reply.json()["need"][0]


def test_training_pledge_offers_places_on_a_course(api, donor):
    data = {"kind": "training", "places": 40, "course": "Patriot operator",
            "earliest_availability": str(in_days(45))}
    assert api.as_(donor).post("/api/pledges/", data, format="json").status_code == 201
    data["places"] = 0
    reply = api.as_(donor).post("/api/pledges/", data, format="json")
    assert reply.status_code == 400 and "places" in reply.json()


def test_pledge_answers_one_compatible_need(api, donor, shells):
    family = FamilyFactory(name="155 mm NATO")
    shells.family = family
    shells.save()
    other_155 = ItemTypeFactory(family=family, name="155 mm base-bleed")
    need = NeedFactory(item_type=shells)
    ok = api.as_(donor).post("/api/pledges/", body(other_155, need=need.pk), format="json")
    assert ok.status_code == 201, ok.json()
    unrelated = ItemTypeFactory(name="Mine roller")
    bad = api.as_(donor).post("/api/pledges/", body(unrelated, need=need.pk), format="json")
    assert bad.status_code == 400 and "does not fit" in bad.json()["item_type"][0]


@pytest.mark.parametrize("state", [NeedState.DRAFT, NeedState.SUBMITTED, NeedState.COVERED,
                                   NeedState.CANCELLED])
def test_pledge_against_a_need_not_taking_pledges_is_refused(api, donor, shells, state):
    need = NeedFactory(item_type=shells, state=state)
    reply = api.as_(donor).post("/api/pledges/", body(shells, need=need.pk), format="json")
    assert reply.status_code == 400 and f"'{state}'" in reply.json()["need"][0]


def test_pledge_against_an_invisible_need_is_refused_as_absent(api, donor, shells):
    hidden = NeedFactory(item_type=shells, release_all_donors=False)
    missing = api.as_(donor).post("/api/pledges/", body(shells, need=999999), format="json")
    invisible = api.as_(donor).post("/api/pledges/", body(shells, need=hidden.pk), format="json")
    assert invisible.status_code == missing.status_code == 400
    assert invisible.json()["need"][0].replace(str(hidden.pk), "N") == (
        missing.json()["need"][0].replace("999999", "N")
    )


class TestStockFloor:
    def test_stock_pledge_needs_a_stock_position(self, api, donor, shells):
        reply = api.as_(donor).post("/api/pledges/", body(shells, kind="stock"), format="json")
        assert reply.status_code == 400 and "stock position" in reply.json()["stock_position"][0]

    def test_stock_pledge_cannot_exceed_what_is_held(self, api, donor, shells):
        StockPositionFactory(owner=donor.organisation, item_type=shells, quantity_held=50)
        reply = api.as_(donor).post("/api/pledges/", body(shells, kind="stock"), format="json")
        assert reply.status_code == 400 and "50" in reply.json()["quantity"][0]

    def test_stock_pledge_above_the_floor_is_not_flagged(self, api, donor, shells):
        StockPositionFactory(owner=donor.organisation, item_type=shells, quantity_held=1000,
                             target_minimum=400)
        reply = api.as_(donor).post("/api/pledges/", body(shells, kind="stock", quantity="600"),
                                    format="json")
        assert reply.status_code == 201
        assert (reply.json()["below_target"], reply.json()["below_target_by"]) == (False, None)

    def test_below_target_pledge_is_accepted_but_flagged_with_backfill(
        self, api, donor, coordinator, shells
    ):
        position = StockPositionFactory(owner=donor.organisation, item_type=shells,
                                        quantity_held=1000, target_minimum=400)
        BackfillOrderFactory(stock_position=position, quantity=300, expected_date=in_days(200))
        PledgeFactory(owner=donor.organisation, kind="stock", item_type=shells, quantity=300,
                      stock_position=position, state=PledgeState.ACCEPTED)
        reply = api.as_(donor).post("/api/pledges/", body(shells, kind="stock", quantity="500"),
                                    format="json")
        assert reply.status_code == 201, reply.json()
        # 1000 held - 300 already pledged - 500 = 200 left, 200 under the 400 floor.
        assert reply.json()["below_target"] is True
        assert Decimal(reply.json()["below_target_by"]) == 200
        accepted = api.as_(coordinator).post(f"/api/pledges/{reply.json()['id']}/accept/")
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
        assert accepted.json()["below_target"] is True
        seen = api.as_(donor).get(f"/api/stock-positions/{position.pk}/").json()
        assert Decimal(seen["committed"]) == 800
        assert [Decimal(o["quantity"]) for o in seen["backfill_orders"]] == [300]


class TestLifecycleAndOwnership:
    def test_only_coordinators_accept(self, api, donor, coordinator, shells):
        pledge = PledgeFactory(owner=donor.organisation, item_type=shells)
        assert api.as_(donor).post(f"/api/pledges/{pledge.pk}/accept/").status_code == 403
        reply = api.as_(coordinator).post(f"/api/pledges/{pledge.pk}/accept/", {"version": 1},
                                          format="json")
        assert reply.status_code == 200 and reply.json()["version"] == 2

    def test_donor_edits_only_its_own_pledges(self, api, donor, shells):
        other = OrganisationFactory()
        theirs = PledgeFactory(owner=other, item_type=shells, release_all_donors=True,
                               classification=1)
        reply = api.as_(donor).patch(f"/api/pledges/{theirs.pk}/", {"quantity": "1",
                                     "version": 1}, format="json")
        assert reply.status_code == 403
        theirs.refresh_from_db()
        assert theirs.quantity == 10

    def test_accepted_pledge_can_no_longer_be_edited(self, api, donor, shells):
        pledge = PledgeFactory(owner=donor.organisation, item_type=shells,
                               state=PledgeState.ACCEPTED)
        reply = api.as_(donor).patch(f"/api/pledges/{pledge.pk}/", {"quantity": "1",
                                     "version": 1}, format="json")
        assert reply.status_code == 403

    def test_kind_cannot_change(self, api, donor, shells):
        pledge = PledgeFactory(owner=donor.organisation, item_type=shells)
        reply = api.as_(donor).patch(f"/api/pledges/{pledge.pk}/", {"kind": "stock",
                                     "version": 1}, format="json")
        assert reply.status_code == 400 and "kind" in reply.json()

    def test_withdrawn_pledge_cannot_be_accepted(self, api, donor, coordinator, shells):
        pledge = PledgeFactory(owner=donor.organisation, item_type=shells)
        assert api.as_(donor).post(f"/api/pledges/{pledge.pk}/withdraw/").status_code == 200
        reply = api.as_(coordinator).post(f"/api/pledges/{pledge.pk}/accept/")
        assert reply.status_code == 409
        assert "'withdrawn'" in reply.json()["state"][0]
        assert "'accepted'" in reply.json()["state"][0]

    def test_auditor_changes_nothing(self, api, donor, shells):
        auditor = UserFactory(roles=[Role.AUDITOR], clearance=3,
                              organisation=OrganisationFactory(kind=OrganisationKind.OVERSIGHT,
                                                               iso3="", alliance_status=""))
        pledge = PledgeFactory(owner=donor.organisation, item_type=shells)
        assert api.as_(auditor).get(f"/api/pledges/{pledge.pk}/").status_code == 200
        for action in ("accept", "decline", "withdraw"):
            assert api.as_(auditor).post(f"/api/pledges/{pledge.pk}/{action}/").status_code == 403
        reply = api.as_(auditor).post("/api/pledges/", body(shells), format="json")
        assert reply.status_code == 403
        pledge.refresh_from_db()
        assert (pledge.state, pledge.version) == ("offered", 1)


def test_references_to_invisible_records_are_shown_empty(api, donor, coordinator, shells):
    """Another donor sees a pledge, not the need or stock position it draws on."""
    owner = OrganisationFactory()
    need = NeedFactory(item_type=shells, release_all_donors=False)  # coordinator and recipient
    position = StockPositionFactory(owner=owner, item_type=shells)
    pledge = PledgeFactory(owner=owner, kind="stock", item_type=shells, need=need,
                           stock_position=position, classification=1, release_all_donors=True)
    seen = api.as_(donor).get(f"/api/pledges/{pledge.pk}/").json()
    assert (seen["need"], seen["stock_position"]) == (None, None)
    assert api.as_(donor).get(f"/api/pledges/?need={need.pk}").json()["count"] == 0
    assert api.as_(donor).get("/api/pledges/?free=true").json()["count"] == 1
    full = api.as_(coordinator).get(f"/api/pledges/{pledge.pk}/").json()
    assert (full["need"], full["stock_position"]) == (need.pk, position.pk)
    client = Client()
    client.force_login(donor)
    page = client.get(f"/admin/pledges/pledge/{pledge.pk}/change/")
    assert page.status_code == 200
    assert f"Need {need.pk}" not in page.content.decode()


def test_history_shows_many_to_many_changes_as_related_ids(api, donor, shells):
    from tests.factories import RegionFactory

    first, second = RegionFactory(code="kyiv"), RegionFactory(code="odesa")
    pledge = PledgeFactory(owner=donor.organisation, item_type=shells)
    reply = api.as_(donor).patch(f"/api/pledges/{pledge.pk}/", {
        "allowed_regions": ["kyiv", "odesa"], "version": 1}, format="json")
    assert reply.status_code == 200, reply.json()
    entries = api.as_(donor).get(f"/api/pledges/{pledge.pk}/history/").json()
    changes = [c for e in entries for c in e["changes"] if c["field"] == "allowed_regions"]
    assert changes == [{"field": "allowed_regions", "before": [],
                        "after": sorted([first.pk, second.pk])}]


# -- stock positions and backfill orders ---------------------------------------------------

def test_donor_records_its_stock_position_and_a_backfill_order(api, donor):
    item = ItemTypeFactory()
    reply = api.as_(donor).post("/api/stock-positions/", {
        "item_type": item.pk, "quantity_held": "1200", "target_minimum": "500"}, format="json")
    assert reply.status_code == 201, reply.json()
    position = StockPosition.objects.get()
    assert position.owner == donor.organisation and reply.json()["committed"] == "0.000"
    order = api.as_(donor).post("/api/backfill-orders/", {
        "stock_position": position.pk, "quantity": "300", "expected_date": str(in_days(400)),
        "reference": "Contract 2025/17"}, format="json")
    assert order.status_code == 201, order.json()
    seen = api.as_(donor).get(f"/api/stock-positions/{position.pk}/").json()
    assert [o["reference"] for o in seen["backfill_orders"]] == ["Contract 2025/17"]


def test_one_position_per_item_and_donor(api, donor):
    position = StockPositionFactory(owner=donor.organisation)
    reply = api.as_(donor).post("/api/stock-positions/", {
        "item_type": position.item_type_id, "quantity_held": "5", "target_minimum": "1"},
        format="json")
    assert reply.status_code == 400
    assert StockPosition.objects.count() == 1


def test_backfill_order_on_another_donors_position_is_refused(api, donor, coordinator):
    theirs = StockPositionFactory(owner=OrganisationFactory())
    body = {"stock_position": theirs.pk, "quantity": "10", "expected_date": str(in_days(90))}
    invisible = api.as_(donor).post("/api/backfill-orders/", body, format="json")
    assert invisible.status_code == 400 and "stock_position" in invisible.json()
    not_theirs = api.as_(coordinator).post("/api/backfill-orders/", body, format="json")
    assert not_theirs.status_code == 403  # sees it, but only the donor records its orders
    assert not BackfillOrder.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("quantity", "0"), ("quantity", "-3"),
                                              ("expected_date", "soon")])
def test_bad_backfill_order_is_refused_by_field(api, donor, field, value):
    position = StockPositionFactory(owner=donor.organisation)
    body = {"stock_position": position.pk, "quantity": "10", "expected_date": str(in_days(90)),
            field: value}
    reply = api.as_(donor).post("/api/backfill-orders/", body, format="json")
    assert reply.status_code == 400 and field in reply.json()
    assert not BackfillOrder.objects.exists()


def test_backfill_order_edits_are_versioned_and_stay_on_their_position(api, donor):
    order = BackfillOrderFactory(stock_position=StockPositionFactory(owner=donor.organisation))
    url, home = f"/api/backfill-orders/{order.pk}/", order.stock_position_id
    assert api.as_(donor).patch(url, {"quantity": "250", "version": 1},
                                format="json").status_code == 200
    stale = api.as_(donor).patch(url, {"quantity": "260", "version": 1}, format="json")
    assert stale.status_code == 409
    other = StockPositionFactory(owner=donor.organisation)
    moved = api.as_(donor).patch(url, {"stock_position": other.pk, "version": 2}, format="json")
    assert moved.status_code == 400 and "stock_position" in moved.json()
    order.refresh_from_db()
    assert (order.quantity, order.version, order.stock_position_id) == (250, 2, home)
    history = api.as_(donor).get(f"{url}history/").json()
    assert [e["type"] for e in history] == ["created", "changed"]


def test_a_classification_above_the_writers_clearance_is_refused(api, donor, shells):
    """Issue 14, finding 9: stored, then invisible to its own owner, with a 500 between."""
    before = stored()
    reply = api.as_(donor).post("/api/pledges/", body(
        shells, classification=Classification.CONFIDENTIAL), format="json")
    assert reply.status_code == 400, reply.content
    assert "clearance" in " ".join(reply.json()["classification"])
    assert stored() == before
    mine = api.as_(donor).post("/api/pledges/", body(shells), format="json").json()
    raised = api.as_(donor).patch(f"/api/pledges/{mine['id']}/", {
        "classification": Classification.CONFIDENTIAL, "version": mine["version"]},
        format="json")
    assert raised.status_code == 400 and "classification" in raised.json()
    assert api.as_(donor).get(f"/api/pledges/{mine['id']}/").json()["classification"] == (
        Classification.RESTRICTED)
    at_clearance = api.as_(donor).post("/api/pledges/", body(
        shells, classification=Classification.RESTRICTED), format="json")
    assert at_clearance.status_code == 201


def test_an_amount_beyond_what_storage_keeps_is_refused_and_the_largest_reads_back(
        api, donor, coordinator):
    """Issue 14, finding 3: EUR 99,999,999,999,999.99 was stored (SQLite REAL) and could not
    be read back: every list holding it answered 500."""
    funding = {"kind": "funding", "earliest_availability": str(in_days(20))}
    before = stored()
    reply = api.as_(donor).post("/api/pledges/", {**funding, "amount_eur": "99999999999999.99"},
                                format="json")
    assert reply.status_code == 400 and "amount_eur" in reply.json()
    assert stored() == before
    largest = api.as_(donor).post("/api/pledges/", {**funding, "amount_eur": "9999999999999.99"},
                                  format="json")
    assert largest.status_code == 201, largest.content
    pk = largest.json()["id"]
    assert api.as_(coordinator).get(f"/api/pledges/{pk}/").json()["amount_eur"] == (
        "9999999999999.99")
    from tests.conftest import client_for

    for path in ("/pledges/", f"/pledges/{pk}/", "/pledges/export.csv/", "/pledges/export.xlsx/",
                 "/"):
        assert client_for(coordinator).get(path).status_code == 200, path
    assert "EUR 9,999,999,999,999.99" in client_for(coordinator).get("/pledges/").content.decode()
