"""The pledge form helps at entry: only the chosen kind's section (switched by app.js through
data attributes; all of them, labelled, without it), browser-side constraints matching the
server's rules, one message per mistake, a past availability date warned about and saved only
once confirmed (the planner reads it as available now)."""

import re

import pytest
from django.urls import reverse

from clearinghouse.pledges.models import Pledge
from tests.conftest import client_for
from tests.factories import ItemTypeFactory, NeedFactory, PledgeFactory, in_days
from tests.pledges.test_views import pledge_data

pytestmark = pytest.mark.django_db


def errors_of(reply, field: str) -> list[str]:
    return list(reply.context["form"].errors.get(field, []))


def attrs_of(page: str, name: str) -> str:
    return re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', page).group(0)


def sections(page: str) -> dict[str, str]:
    """Each kind section's data-kinds and the fields in it."""
    found = {}
    for kinds, body in re.findall(r'<fieldset data-kinds="([^"]+)">(.*?)</fieldset>', page, re.S):
        found[kinds] = " ".join(sorted(set(re.findall(r'name="(\w+)"', body))))
    return found


def test_each_kind_has_its_own_labelled_section_switched_without_inline_script(donor):
    page = client_for(donor).get(reverse("pledges:create")).content.decode()
    assert sections(page) == {
        "stock procurement": "item_type origin_depot quantity",
        "funding": "amount_eur funding_items funding_non_lethal_only",
        "training": "course places",
    }
    assert "data-kind-switch" in attrs_of(page, "kind")
    # Without JavaScript every section shows, saying which kind it is for.
    assert "(for a pledge from stock or new procurement)" in page
    assert "(for a funding pledge)" in page and "(for training places)" in page
    assert "<script>" not in page and " hidden" not in page.split("<form method")[1]


def test_the_server_still_refuses_fields_of_another_kind(donor):
    """With every section shown (no JavaScript), a value of another kind is refused by name."""
    reply = client_for(donor).post(reverse("pledges:create"), pledge_data(
        kind="funding", amount_eur="1000", quantity="5", places="3"))
    assert reply.status_code == 400 and not Pledge.objects.exists()
    assert errors_of(reply, "quantity") == ["A funding pledge has no quantity of goods."]
    assert errors_of(reply, "places") == ["Only a training pledge offers places."]


@pytest.mark.parametrize("field,value,message", [
    ("quantity", "-5", "The quantity must be positive."),
    ("quantity", "0", "The quantity must be positive."),
    ("amount_eur", "-5", "A funding pledge states a positive amount in EUR."),
    ("amount_eur", "0", "A funding pledge states a positive amount in EUR."),
    ("places", "-5", "A training pledge offers a positive number of places."),
    ("places", "0", "A training pledge offers a positive number of places."),
])
def test_a_value_that_is_not_positive_gets_one_message(donor, field, value, message):
    kind = {"quantity": "procurement", "amount_eur": "funding", "places": "training"}[field]
    extra = {"procurement": {"item_type": ItemTypeFactory().pk}, "funding": {},
             "training": {"course": "Crew course"}}[kind]
    reply = client_for(donor).post(reverse("pledges:create"),
                                   pledge_data(kind=kind, **extra, **{field: value}))
    assert reply.status_code == 400 and not Pledge.objects.exists()
    assert errors_of(reply, field) == [message]
    assert "greater than or equal" not in reply.content.decode()


def test_number_constraints_in_the_browser_match_the_server(donor, recipient):
    page = client_for(donor).get(reverse("pledges:create")).content.decode()
    assert 'min="0.001"' in attrs_of(page, "quantity")
    assert 'min="0.01"' in attrs_of(page, "amount_eur")
    assert 'step="0.01"' in attrs_of(page, "amount_eur")
    assert 'min="1"' in attrs_of(page, "places") and 'step="1"' in attrs_of(page, "places")
    assert 'maxlength="100"' in attrs_of(page, "course")
    assert 'maxlength="150"' in attrs_of(page, "origin_depot")
    # Against a need of an indivisible item: whole units.
    need = NeedFactory(owner=recipient, item_type=ItemTypeFactory(indivisible=True))
    page = client_for(donor).get(reverse("pledges:create"), {"need": need.pk}).content.decode()
    assert 'step="1"' in attrs_of(page, "quantity") and 'min="1"' in attrs_of(page, "quantity")


def test_a_past_availability_is_warned_about_and_saved_once_confirmed(donor):
    item = ItemTypeFactory()
    client = client_for(donor)
    past = pledge_data(item_type=item.pk, quantity="5",
                       earliest_availability=in_days(-10).isoformat())
    reply = client.post(reverse("pledges:create"), past)
    assert reply.status_code == 400 and not Pledge.objects.exists()
    page = reply.content.decode()
    assert "Not saved yet: check this" in page and "is in the past" in page
    assert "read as available now" in page and 'name="confirm"' in page
    assert reply.context["form"].errors == {}  # a warning, not an error
    saved = client.post(reverse("pledges:create"), {**past, "confirm": "on"})
    assert saved.status_code == 303
    assert Pledge.objects.get().earliest_availability == in_days(-10)


def test_an_unchanged_past_availability_is_not_warned_about_again(donor):
    pledge = PledgeFactory(owner=donor.organisation, earliest_availability=in_days(-30))
    client = client_for(donor)
    form = client.get(reverse("pledges:edit", args=[pledge.pk]))
    data = {k: v for k, v in form.context["form"].initial.items() if v not in (None, "")}
    data |= {"earliest_availability": in_days(-30).isoformat(), "quantity": "7",
             "item_type": pledge.item_type_id, "version": pledge.version,
             "classification": pledge.classification}
    data.pop("kind", None)
    data = {k: v for k, v in data.items() if not isinstance(v, list)}
    reply = client.post(reverse("pledges:edit", args=[pledge.pk]), data)
    assert reply.status_code == 303, reply.context["form"].errors
    pledge.refresh_from_db()
    assert pledge.quantity == 7
