"""Stock positions and backfill orders through the API."""

import pytest

from clearinghouse.pledges.models import BackfillOrder, StockPosition
from tests.factories import (
    BackfillOrderFactory,
    ItemTypeFactory,
    OrganisationFactory,
    StockPositionFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


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
