"""The need form helps at entry: browser-side constraints matching the server's rules, one
message per mistake, a past required-by date refused at entry (submitting would refuse it)."""

import re

import pytest
from django.urls import reverse

from clearinghouse.needs.models import Need, NeedState
from tests.conftest import client_for
from tests.factories import ItemTypeFactory, NeedFactory, RegionFactory, in_days
from tests.needs.test_views import need_data

pytestmark = pytest.mark.django_db


def errors_of(reply, field: str) -> list[str]:
    return list(reply.context["form"].errors.get(field, []))


def attrs_of(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)


@pytest.mark.parametrize("quantity", ["-5", "0"])
def test_a_quantity_that_is_not_positive_gets_one_message(planner, quantity):
    item, region = ItemTypeFactory(), RegionFactory()
    reply = client_for(planner).post(reverse("needs:create"),
                                     need_data(item, region, quantity=quantity))
    assert reply.status_code == 400 and not Need.objects.exists()
    assert errors_of(reply, "quantity") == ["The quantity must be positive."]
    assert "greater than or equal" not in reply.content.decode()


def test_quantity_and_date_constraints_in_the_browser_match_the_server(planner):
    whole = ItemTypeFactory(name="Battery", indivisible=True)
    ItemTypeFactory(name="Fuel", indivisible=False)
    page = client_for(planner).get(reverse("needs:create")).content.decode()
    quantity = attrs_of(page, "quantity")
    assert 'min="0.001"' in quantity and 'step="0.001"' in quantity
    assert 'data-whole-with="id_item_type"' in quantity
    assert f'<option value="{whole.pk}" data-indivisible="1">' in page
    assert 'data-indivisible' not in re.search(r'<option[^>]*>Fuel', page).group(0)
    assert f'min="{in_days(0).isoformat()}"' in attrs_of(page, "required_by")
    assert "data-warn-past" in attrs_of(page, "required_by")

    # Editing a need of an indivisible item: whole units from the start.
    need = NeedFactory(owner=planner.organisation, item_type=whole, state=NeedState.DRAFT)
    page = client_for(planner).get(reverse("needs:edit", args=[need.pk])).content.decode()
    assert 'min="1"' in attrs_of(page, "quantity") and 'step="1"' in attrs_of(page, "quantity")


def test_a_past_required_by_date_is_refused_at_entry(planner):
    item, region = ItemTypeFactory(), RegionFactory()
    client = client_for(planner)
    reply = client.post(reverse("needs:create"),
                        need_data(item, region, required_by=in_days(-3).isoformat()))
    assert reply.status_code == 400 and not Need.objects.exists()
    [message] = errors_of(reply, "required_by")
    assert "is in the past" in message and "cannot be submitted" in message
    assert in_days(-3).isoformat() not in message  # the date in words, not ISO
    today = client.post(reverse("needs:create"),
                        need_data(item, region, required_by=in_days(0).isoformat()))
    assert today.status_code == 303
