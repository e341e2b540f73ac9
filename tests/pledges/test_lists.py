"""The pledge and stock position lists: columns, filters, sorting, the below-target flag,
and an anonymous donor never shown, filtered or sorted by."""

from decimal import Decimal

import pytest

from clearinghouse.pledges.models import PledgeKind, PledgeState
from clearinghouse.security.roles import Classification
from tests.conftest import client_for, shown, table
from tests.factories import (
    BackfillOrderFactory,
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    OrgOfKindFactory,
    PledgeFactory,
    StockPositionFactory,
)

pytestmark = pytest.mark.django_db
C = Classification


@pytest.fixture
def pledges(donor_org, recipient):
    """Germany's anonymous pledge, released to all donors; Germany's coordinator-only pledge;
    another donor's pledge released to all donors; a funding and a training pledge."""
    other = OrganisationFactory(code="NOR", name="Norway", iso3="NOR")
    need = NeedFactory(owner=recipient)
    everyone = {"release_all_donors": True, "release_recipient": True,
                "classification": C.COALITION}
    return {
        "anonymous": PledgeFactory(owner=donor_org, anonymous=True, need=need, **everyone,
                                   item_type=ItemTypeFactory(name="Howitzer Kappa"),
                                   quantity=Decimal(7), origin_depot="Depot Secret"),
        "hidden": PledgeFactory(owner=donor_org, item_type=ItemTypeFactory(name="Drone Sigma")),
        "other": PledgeFactory(owner=other, **everyone, quantity=Decimal(3),
                               state=PledgeState.ACCEPTED),
        "funding": PledgeFactory(owner=other, **everyone, kind=PledgeKind.FUNDING,
                                 item_type=None, quantity=None, amount_eur=Decimal("2500000")),
        "training": PledgeFactory(owner=other, **everyone, kind=PledgeKind.TRAINING,
                                  item_type=None, quantity=None, places=12,
                                  course="Gunner course"),
    }


def test_pledges_anonymous_donor_is_shown_as_anonymous_and_cannot_be_singled_out(
    pledges, donor_org, other_donor
):
    client = client_for(other_donor)
    anon = pledges["anonymous"]
    reply = client.get("/pledges/")
    assert set(shown(reply)) == {pledges[k].pk for k in ("anonymous", "other", "funding",
                                                          "training")}
    rows = {r["pk"]: r for r in reply.context["rows"]}
    assert rows[anon.pk]["cells"][1].text == "anonymous" and rows[anon.pk]["cells"][1].href is None
    body = table(reply)
    assert "Germany" not in body and f"/organisations/{donor_org.pk}/" not in body
    assert "Depot Secret" not in reply.content.decode()
    # No filter, search or sort by donor finds it.
    assert shown(client.get("/pledges/", {"donor": donor_org.pk})) == []
    assert shown(client.get("/pledges/", {"q": "Germany"})) == []
    assert shown(client.get("/pledges/", {"q": "Depot Secret"})) == []
    for ordering in ("donor", "-donor"):
        sorted_page = client.get("/pledges/", {"ordering": ordering})
        assert "Germany" not in table(sorted_page)
    # Its goods are there, and the need it answers (visible to this donor) is shown.
    assert shown(client.get("/pledges/", {"q": "Howitzer Kappa"})) == [anon.pk]
    assert rows[anon.pk]["cells"][6].text == str(anon.need_id)


def test_pledges_donor_sees_its_own_anonymous_pledge_and_coordinator_sees_every_donor(
    pledges, donor, coordinator
):
    for user in (donor, coordinator):
        reply = client_for(user).get("/pledges/", {"donor": donor.organisation_id})
        assert pledges["anonymous"].pk in shown(reply)
        assert "Germany" in table(reply)
    # The coordinator-only pledge: absent for other donors, present for the coordinator.
    assert pledges["hidden"].pk in shown(client_for(coordinator).get("/pledges/"))


def test_pledges_columns_filters_and_sort(pledges, coordinator, other_donor):
    client = client_for(coordinator)
    reply = client.get("/pledges/")
    rows = {r["pk"]: [c.text for c in r["cells"]] for r in reply.context["rows"]}
    assert rows[pledges["funding"].pk][4] == "EUR 2,500,000"
    assert rows[pledges["training"].pk][3] == "Gunner course"
    assert rows[pledges["training"].pk][4] == "12 places"
    assert "5 pledges" in reply.content.decode()
    assert set(shown(client.get("/pledges/", {"kind": "funding"}))) == {pledges["funding"].pk}
    assert set(shown(client.get("/pledges/", {"state": "accepted"}))) == {pledges["other"].pk}
    free = set(shown(client.get("/pledges/", {"free": "true"})))
    assert pledges["anonymous"].pk not in free and pledges["other"].pk in free
    by_quantity = shown(client.get("/pledges/", {"kind": "procurement", "ordering": "quantity"}))
    assert by_quantity[0] == pledges["other"].pk
    # The need column shows a need only where the reader sees it.
    hidden_need = NeedFactory(owner=pledges["anonymous"].need.owner, release_all_donors=False,
                              release_recipient=False, classification=C.COALITION)
    other = pledges["other"]
    other.need = hidden_need
    other.save()
    rows = {r["pk"]: r["cells"] for r in client_for(other_donor).get("/pledges/").context["rows"]}
    assert rows[other.pk][6].text == "" and rows[other.pk][6].href is None


def test_below_target_flag(coordinator, donor_org):
    pledge = PledgeFactory(owner=donor_org, kind=PledgeKind.STOCK)
    pledge.below_target = True
    pledge.save()
    reply = client_for(coordinator).get("/pledges/", {"below_target": "true"})
    assert shown(reply) == [pledge.pk]
    assert '<td class="flag">below target</td>' in reply.content.decode()


def test_stock_positions_list_committed_over_visible_pledges_and_backfill_orders(
    donor, donor_org, other_donor, coordinator
):
    position = StockPositionFactory(owner=donor_org, quantity_held=Decimal(100),
                                    target_minimum=Decimal(40),
                                    item_type=ItemTypeFactory(name="Shell Delta"),
                                    release_all_donors=True, classification=C.COALITION)
    StockPositionFactory(owner=donor_org)  # coordinator only
    BackfillOrderFactory(stock_position=position)
    BackfillOrderFactory(stock_position=position)
    seen = PledgeFactory(owner=donor_org, kind=PledgeKind.STOCK, item_type=position.item_type,
                         quantity=Decimal(30), release_all_donors=True,
                         classification=C.COALITION)
    unseen = PledgeFactory(owner=donor_org, kind=PledgeKind.STOCK, item_type=position.item_type,
                           quantity=Decimal(5))  # coordinator only
    for pledge in (seen, unseen):
        pledge.stock_position = position
        pledge.save()

    def cells(user):
        reply = client_for(user).get("/pledges/stock/")
        return {r["pk"]: [c.text for c in r["cells"]] for r in reply.context["rows"]}

    mine = cells(donor)
    assert len(mine) == 2
    assert mine[position.pk][1:] == ["Germany", "Shell Delta", "100", "40", "35", "2"]
    theirs = cells(other_donor)
    assert list(theirs) == [position.pk] and theirs[position.pk][5] == "30"
    assert len(cells(coordinator)) == 2
    reply = client_for(donor).get("/pledges/stock/", {"q": "shell delta", "ordering": "-id"})
    assert shown(reply) == [position.pk] and "1 stock position<" in reply.content.decode()


def test_the_donor_filter_offers_only_donors_the_reader_sees_pledges_of(
    pledges, donor_org, other_donor, coordinator
):
    """Not every organisation (hubs, the recipient, donors without a pledge the reader sees),
    and never a donor anonymous to the reader; an unset filter reads "Any"."""
    OrganisationFactory(code="CHN", name="China", iso3="CHN")
    hub = OrgOfKindFactory(name="Hub Operator X", kind="hub_operator")

    def offered(user) -> list[str]:
        field = client_for(user).get("/pledges/").context["filter"].form["donor"]
        return [str(label) for _, label in field.field.widget.choices]

    seen_by_other = offered(other_donor)
    assert seen_by_other[0] == "Any"
    assert "Norway" in seen_by_other and "Germany" not in seen_by_other  # anonymous to it
    assert "China" not in seen_by_other and hub.name not in seen_by_other
    assert "Germany" in offered(coordinator) and "China" not in offered(coordinator)
    boolean = client_for(coordinator).get("/pledges/").content.decode()
    assert "Unknown" not in boolean and "---------" not in boolean
