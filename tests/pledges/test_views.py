"""Pledge and stock position pages through Django's test client, and the whole page flow."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from clearinghouse.needs.models import Need, NeedState
from clearinghouse.pledges.models import Pledge, PledgeState
from clearinghouse.security.roles import Classification, Role
from tests.conftest import client_for
from tests.factories import (
    BackfillOrderFactory,
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    PledgeFactory,
    RegionFactory,
    StockPositionFactory,
    UserFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


def buttons(page: str) -> set[str]:
    return set(re.findall(r'/act/([a-z_]+)/"', page))


def pledge_data(**changes) -> dict:
    data = {
        "kind": "procurement", "item_type": "", "quantity": "", "amount_eur": "",
        "funding_non_lethal_only": "", "places": "", "course": "",
        "earliest_availability": in_days(20).isoformat(), "origin_depot": "Depot North",
        "need": "", "classification": str(Classification.COALITION),
        "release_recipient": "on", "release_all_donors": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


@pytest.fixture
def other_donor():
    return UserFactory(organisation=OrganisationFactory(name="Borduria"),
                       roles=[Role.DONOR_REPRESENTATIVE])


def test_planner_needs_donor_pledges_coordinator_accepts(planner, donor, coordinator):
    """The page flow of issue 4: submit, validate, open, pledge against it, accept."""
    item, region = ItemTypeFactory(name="Patriot battery"), RegionFactory(code="kyiv")
    recipient, donor_c, coord = client_for(planner), client_for(donor), client_for(coordinator)
    made = recipient.post(reverse("needs:create"), {
        "item_type": item.pk, "quantity": "2", "priority": "1", "region": region.pk,
        "required_by": in_days(60).isoformat(), "classification": str(Classification.COALITION),
        "release_recipient": "on",
    })
    assert made.status_code == 303
    need = Need.objects.get()
    recipient.post(reverse("needs:act", args=[need.pk, "submit"]), {"version": 1})
    coord.post(reverse("needs:act", args=[need.pk, "validate"]), {"version": 2})
    coord.post(reverse("needs:act", args=[need.pk, "open"]), {"version": 3})
    need.refresh_from_db()
    assert need.state == NeedState.OPEN and need.release_all_donors

    form = donor_c.get(reverse("pledges:create"), {"need": need.pk})
    page = form.content.decode()
    assert form.status_code == 200 and f'<option value="{need.pk}" selected>' in page
    for field in ("kind", "item_type", "quantity", "amount_eur", "funding_items",
                  "funding_non_lethal_only", "places", "course", "earliest_availability",
                  "origin_depot", "need", "allowed_regions", "anonymous", "classification",
                  "release_recipient", "release_all_donors"):
        assert f'<label for="id_{field}">' in page, field
    reply = donor_c.post(reverse("pledges:create"), pledge_data(
        need=need.pk, item_type=item.pk, quantity="2", allowed_regions=[region.pk]))
    assert reply.status_code == 303, reply.content.decode()
    pledge = Pledge.objects.get()
    assert (pledge.owner, pledge.need, pledge.state) == (donor.organisation, need, "offered")
    assert list(pledge.allowed_regions.all()) == [region]

    page = coord.get(reverse("pledges:detail", args=[pledge.pk])).content.decode()
    assert buttons(page) == {"accept", "decline", "withdraw"} and "Germany" in page
    assert reverse("pledges:edit", args=[pledge.pk]) not in page
    accepted = coord.post(reverse("pledges:act", args=[pledge.pk, "accept"]),
                          {"version": pledge.version}, follow=True)
    assert "it is now Accepted" in accepted.content.decode()
    pledge.refresh_from_db()
    assert pledge.state == PledgeState.ACCEPTED

    page = recipient.get(reverse("needs:detail", args=[need.pk])).content.decode()
    numbers = dict(re.findall(r'data-part="(\w+)">([^<]*)<', page))
    assert (numbers["accepted"], numbers["missing"]) == ("2", "0")
    assert f"Pledge {pledge.pk}" in page


def test_pledge_form_errors_by_field_and_nothing_stored(donor):
    item = ItemTypeFactory()
    client = client_for(donor)
    reply = client.post(reverse("pledges:create"), pledge_data(item_type=item.pk))
    page = reply.content.decode()
    assert reply.status_code == 400 and not Pledge.objects.exists()
    assert 'id="id_quantity_error"' in page and "The quantity must be positive." in page
    reply = client.post(reverse("pledges:create"), pledge_data(kind="funding", item_type=item.pk,
                                                               amount_eur="0"))
    page = reply.content.decode()
    assert reply.status_code == 400 and not Pledge.objects.exists()
    assert 'id="id_amount_eur_error"' in page and 'id="id_item_type_error"' in page
    # From stock without a stock position: the service's refusal shown at the top.
    reply = client.post(reverse("pledges:create"), pledge_data(kind="stock", item_type=item.pk,
                                                               quantity="3"))
    assert reply.status_code == 400 and "Record your stock position" in reply.content.decode()
    assert not Pledge.objects.exists()


def test_only_visible_pledgeable_needs_are_offered(donor, planner):
    shown = NeedFactory(owner=planner.organisation, state=NeedState.OPEN)
    draft = NeedFactory(owner=planner.organisation, state=NeedState.DRAFT)
    hidden = NeedFactory(owner=planner.organisation, release_all_donors=False)
    page = client_for(donor).get(reverse("pledges:create")).content.decode()
    options = set(re.findall(r'<option value="(\d+)"[^>]*>Need', page))
    assert options == {str(shown.pk)}
    assert 'data-classification="1"' in page  # the offered needs are COALITION
    assert str(draft.pk) != str(hidden.pk)
    # Posting an invisible need is refused without saying whether it exists.
    reply = client_for(donor).post(reverse("pledges:create"), pledge_data(
        need=hidden.pk, item_type=hidden.item_type_id, quantity="1"))
    assert reply.status_code == 400 and 'id="id_need_error"' in reply.content.decode()
    assert not Pledge.objects.exists()


def test_a_stale_pledge_edit_is_refused_with_the_input_kept(donor):
    pledge = PledgeFactory(owner=donor.organisation, origin_depot="Depot One")
    url = reverse("pledges:edit", args=[pledge.pk])
    first, second = client_for(donor), client_for(donor)
    assert first.get(url).status_code == 200 and second.get(url).status_code == 200
    data = pledge_data(item_type=pledge.item_type_id, quantity="10", version=pledge.version)
    assert first.post(url, {**data, "quantity": "12"}).status_code == 303
    reply = second.post(url, {**data, "quantity": "15", "origin_depot": "Depot Mine"})
    page = reply.content.decode()
    assert reply.status_code == 409 and "Someone changed this pledge since you opened it" in page
    assert 'value="15"' in page and 'value="Depot Mine"' in page
    pledge.refresh_from_db()
    assert (pledge.quantity, pledge.origin_depot) == (Decimal("12"), "Depot North")


def test_a_donor_cannot_edit_another_donors_pledge(donor, other_donor):
    named = PledgeFactory(owner=donor.organisation, release_all_donors=True,
                          classification=Classification.COALITION)
    unreleased = PledgeFactory(owner=donor.organisation)
    client = client_for(other_donor)
    # Visible but not its own: 403 (no edit button); not visible: 404.
    assert client.get(reverse("pledges:detail", args=[named.pk])).status_code == 200
    assert reverse("pledges:edit", args=[named.pk]) not in client.get(
        reverse("pledges:detail", args=[named.pk])).content.decode()
    assert client.get(reverse("pledges:edit", args=[named.pk])).status_code == 403
    assert client.post(reverse("pledges:edit", args=[named.pk]),
                       pledge_data(quantity="1")).status_code == 403
    assert client.post(reverse("pledges:act", args=[named.pk, "withdraw"]),
                       {"version": named.version}).status_code == 403
    for url in (reverse("pledges:detail", args=[unreleased.pk]),
                reverse("pledges:edit", args=[unreleased.pk]),
                reverse("pledges:act", args=[unreleased.pk, "withdraw"])):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"version": 1}).status_code == 404, url
    named.refresh_from_db()
    assert named.state == PledgeState.OFFERED and named.version == 1


def test_withdrawing_asks_for_confirmation_and_buttons_follow_the_rules(donor, coordinator):
    pledge = PledgeFactory(owner=donor.organisation)
    page = client_for(donor).get(reverse("pledges:detail", args=[pledge.pk])).content.decode()
    assert buttons(page) == {"withdraw"}
    assert reverse("pledges:edit", args=[pledge.pk]) in page
    act = reverse("pledges:act", args=[pledge.pk, "withdraw"])
    assert f'<a class="button danger" href="{act}">' in page
    confirm = client_for(donor).get(act).content.decode()
    assert "autofocus" in confirm and "cannot be undone" in confirm
    assert client_for(donor).post(act, {"version": pledge.version}).status_code == 303
    pledge.refresh_from_db()
    assert pledge.state == PledgeState.WITHDRAWN
    page = client_for(coordinator).get(reverse("pledges:detail", args=[pledge.pk])).content
    assert buttons(page.decode()) == set()
    refused = client_for(coordinator).post(reverse("pledges:act", args=[pledge.pk, "accept"]),
                                           {"version": pledge.version}, follow=True)
    assert "it is &#x27;withdrawn&#x27;" in refused.content.decode()


def test_the_anonymous_donor_is_not_revealed(donor, other_donor, planner, coordinator):
    need = NeedFactory(owner=planner.organisation)
    pledge = PledgeFactory(owner=donor.organisation, need=need, item_type=need.item_type,
                           anonymous=True, origin_depot="Depot Zeta-7",
                           classification=Classification.COALITION, release_all_donors=True,
                           release_recipient=True, released_to=[other_donor.organisation])
    pledge.history.update(history_user=donor)
    edit = client_for(donor).post(reverse("pledges:edit", args=[pledge.pk]), pledge_data(
        item_type=pledge.item_type_id, quantity="11", need=need.pk, anonymous="on",
        origin_depot="Depot Zeta-7", version=pledge.version, release_all_donors="on"))
    assert edit.status_code == 303
    for reader in (other_donor, planner):
        client = client_for(reader)
        for url in (reverse("pledges:detail", args=[pledge.pk]),
                    reverse("needs:detail", args=[need.pk])):
            page = client.get(url).content.decode()
            assert "anonymous" in page, url
            for secret in ("Germany", "Depot Zeta-7", donor.username):
                assert secret not in page, (reader, url, secret)
    # Its own donor and the coordinator see who gave it, in the history too.
    for reader in (donor, coordinator):
        page = client_for(reader).get(reverse("pledges:detail", args=[pledge.pk])).content
        assert "Germany" in page.decode() and donor.username in page.decode()


def test_stock_position_page_with_backfill_orders_and_pledges(donor, coordinator, other_donor):
    position = StockPositionFactory(owner=donor.organisation, quantity_held=Decimal("100"),
                                    target_minimum=Decimal("60"))
    BackfillOrderFactory(stock_position=position, quantity=Decimal("35"), reference="BF-0042")
    named = PledgeFactory(owner=donor.organisation, kind="stock", item_type=position.item_type,
                          quantity=Decimal("30"), stock_position=position,
                          below_target=True, below_target_by=Decimal("0"))
    anonymous = PledgeFactory(owner=donor.organisation, kind="stock", anonymous=True,
                              item_type=position.item_type, quantity=Decimal("5"),
                              stock_position=position, release_all_donors=True,
                              classification=Classification.COALITION)
    page = client_for(donor).get(reverse("pledges:stock-detail", args=[position.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "BF-0042" in text and f"Pledge {named.pk}" in text
    assert f"Pledge {anonymous.pk}" in text  # its own donor sees it under its stock
    # The anonymous pledge's page does not link the position for another donor.
    text = client_for(other_donor).get(reverse("pledges:detail", args=[anonymous.pk])).content
    assert reverse("pledges:stock-detail", args=[position.pk]) not in text.decode()
    assert client_for(other_donor).get(
        reverse("pledges:stock-detail", args=[position.pk])).status_code == 404
    assert client_for(coordinator).get(
        reverse("pledges:stock-detail", args=[position.pk])).status_code == 200
