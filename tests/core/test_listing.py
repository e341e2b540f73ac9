"""The list pages: filters, sorting, pagination, search, counts, errors, visibility, banner."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clearinghouse.needs.models import NeedState, Priority
from clearinghouse.pledges.models import PledgeKind, PledgeState
from clearinghouse.security.roles import Classification
from tests.conftest import client_for
from tests.factories import (
    BackfillOrderFactory,
    FamilyFactory,
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
C = Classification


def shown(reply) -> list[int]:
    """The pks of the rows the page shows, in order."""
    assert reply.status_code == 200, reply.status_code
    return [row["pk"] for row in reply.context["rows"]]


def table(reply) -> str:
    """The page's table (the filter form lists every organisation and item by name)."""
    text = reply.content.decode()
    return text[text.index("<table"):text.index("</table>")]


def banner(reply) -> int:
    return int(re.search(r'class="banner level-(\d)"', reply.content.decode()).group(1))


@pytest.fixture
def needs(recipient):
    kyiv, lviv = RegionFactory(code="kyiv", name="Kyiv"), RegionFactory(code="lviv", name="Lviv")
    radar = ItemTypeFactory(name="Radar Omega")
    make = {"owner": recipient}
    return {
        "open_critical": NeedFactory(**make, item_type=radar, region=kyiv, quantity=Decimal(5),
                                     priority=Priority.CRITICAL, state=NeedState.OPEN,
                                     required_by=in_days(20), justification="protect Kyiv"),
        "open_low": NeedFactory(**make, region=lviv, quantity=Decimal(50), priority=Priority.LOW,
                                state=NeedState.OPEN, required_by=in_days(200)),
        "validated": NeedFactory(**make, region=kyiv, quantity=Decimal(20),
                                 priority=Priority.HIGH, state=NeedState.VALIDATED,
                                 required_by=in_days(60)),
        "family": NeedFactory(**make, item_type=None, family=FamilyFactory(name="Shells 155"),
                              region=lviv, quantity=Decimal(1000), state=NeedState.OPEN),
        "confidential": NeedFactory(**make, region=kyiv, classification=C.CONFIDENTIAL,
                                    state=NeedState.SUBMITTED,
                                    item_type=ItemTypeFactory(name="Secret Sensor")),
    }


def test_lists_require_sign_in():
    for name in ("needs:list", "pledges:list", "pledges:stock-list", "parties:list",
                 "catalogue:list"):
        reply = Client().get(reverse(name))
        assert reply.status_code == 302 and "/accounts/login/" in reply["Location"]
        reply = Client().get(reverse(name.replace("list", "export"), args=["csv"]))
        assert reply.status_code == 302


def test_needs_list_count_columns_and_banner_at_the_highest_row(needs, coordinator, planner):
    page = client_for(coordinator).get("/needs/")
    assert set(shown(page)) == {n.pk for n in needs.values()}
    text = page.content.decode()
    assert "5 needs" in text and "<caption>" in text
    assert "any of Shells 155" in table(page) and "Radar Omega" in table(page)
    # A CONFIDENTIAL row shown to the coordinator raises the banner to CONFIDENTIAL.
    assert banner(page) == C.CONFIDENTIAL and "CONFIDENTIAL" in text
    # The planner, cleared RESTRICTED, does not see that row: the banner stays at COALITION.
    page = client_for(planner).get("/needs/")
    assert needs["confidential"].pk not in shown(page) and "Secret Sensor" not in table(page)
    assert "4 needs" in page.content.decode() and banner(page) == C.COALITION
    # Filtered down to nothing: nothing classified shown.
    assert banner(client_for(coordinator).get("/needs/", {"q": "no such thing"})) == C.PUBLIC


def test_needs_filters_search_and_count(needs, coordinator):
    client = client_for(coordinator)
    n = needs
    assert set(shown(client.get("/needs/", {"state": "open"}))) == {
        n["open_critical"].pk, n["open_low"].pk, n["family"].pk}
    assert shown(client.get("/needs/", {"state": "open", "priority": Priority.CRITICAL})) == [
        n["open_critical"].pk]
    assert set(shown(client.get("/needs/", {"region": "lviv"}))) == {
        n["open_low"].pk, n["family"].pk}
    assert shown(client.get("/needs/", {"item_type": n["open_critical"].item_type_id})) == [
        n["open_critical"].pk]
    window = {"required_by_after": in_days(50).isoformat(),
              "required_by_before": in_days(70).isoformat()}
    assert shown(client.get("/needs/", window)) == [n["validated"].pk]
    reply = client.get("/needs/", {"q": "protect kyiv"})
    assert shown(reply) == [n["open_critical"].pk] and "1 need<" in reply.content.decode()
    # The filter form keeps the chosen values and labels every field.
    text = client.get("/needs/", {"q": "protect kyiv"}).content.decode()
    assert 'value="protect kyiv"' in text
    for field in ("q", "state", "priority", "region", "area", "item_type",
                  "required_by_after", "required_by_before"):
        assert f'<label for="id_{field}">' in text, field


def test_needs_sort_toggles_and_keeps_the_filters(needs, coordinator):
    client = client_for(coordinator)
    reply = client.get("/needs/", {"state": "open", "ordering": "-quantity"})
    assert shown(reply) == [needs[k].pk for k in ("family", "open_low", "open_critical")]
    text = reply.content.decode()
    header = re.search(r'<th scope="col" aria-sort="descending"><a href="([^"]+)">Quantity', text)
    assert header, "the sorted column says its direction"
    link = header.group(1).replace("&amp;", "&")
    assert "state=open" in link and "ordering=quantity" in link
    assert shown(client.get("/needs/" + link)) == [
        needs[k].pk for k in ("open_critical", "open_low", "family")]
    assert 'aria-sort="none"' in text  # the other sortable columns
    by_priority = shown(client.get("/needs/", {"state": "open", "ordering": "priority"}))
    assert by_priority[0] == needs["open_critical"].pk


def test_pagination_keeps_filters_and_caps_the_page_size(recipient, coordinator):
    region = RegionFactory(code="odesa", name="Odesa")
    made = [NeedFactory(owner=recipient, region=region, quantity=Decimal(i + 1)) for i in range(5)]
    NeedFactory(owner=recipient, state=NeedState.DRAFT)  # filtered out
    client = client_for(coordinator)
    first = client.get("/needs/", {"state": "open", "ordering": "quantity", "page_size": 2})
    assert shown(first) == [made[0].pk, made[1].pk]
    text = first.content.decode()
    assert "5 needs" in text and "Page 1 of 3" in text
    nxt = re.search(r'<a href="([^"]+)" rel="next">', text).group(1).replace("&amp;", "&")
    for kept in ("state=open", "ordering=quantity", "page_size=2", "page=2"):
        assert kept in nxt
    assert shown(client.get("/needs/" + nxt)) == [made[2].pk, made[3].pk]
    assert shown(client.get("/needs/", {"state": "open", "ordering": "quantity",
                                        "page_size": 2, "page": 99})) == [made[4].pk]
    capped = client.get("/needs/", {"page_size": 100000})
    assert capped.context["page_obj"].paginator.per_page == 200
    assert client.get("/needs/", {"page_size": "lots", "page": "x"}).status_code == 200
    # The export links carry the filters and sort, not the page.
    export = re.search(r'href="(/needs/export\.csv/[^"]*)"', text).group(1).replace("&amp;", "&")
    assert "state=open" in export and "ordering=quantity" in export and "page=" not in export


@pytest.mark.parametrize("params,field", [
    ({"priority": "9"}, "Priority"),
    ({"required_by_after": "not-a-date"}, "Required by, from"),
    ({"item_type": "abc"}, "Item type"),
    ({"region": "atlantis"}, "Region"),
    ({"ordering": "justification"}, "Sort order"),
])
def test_bad_filter_input_is_an_error_next_to_the_field_not_a_500(needs, coordinator, params,
                                                                   field):
    client = client_for(coordinator)
    reply = client.get("/needs/", params)
    assert reply.status_code == 200
    text = reply.content.decode()
    assert 'class="errorlist"' in text and f"{field}:" in text
    assert shown(reply) == []  # never more rows than were asked for
    export = client.get("/needs/export.csv/", params)
    assert export.status_code == 400 and "Invalid filter" in export.content.decode()


def test_bad_filter_input_on_every_list(coordinator):
    client = client_for(coordinator)
    for url, params in (("/pledges/", {"donor": "x"}), ("/pledges/", {"need": "x"}),
                        ("/pledges/stock/", {"item_type": "x"}),
                        ("/organisations/", {"kind": "pirate"}),
                        ("/catalogue/", {"area": "nowhere"})):
        reply = client.get(url, params)
        assert reply.status_code == 200 and 'class="errorlist"' in reply.content.decode(), url


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


@pytest.fixture
def other_donor():
    return UserFactory(organisation=OrganisationFactory(code="SWE", name="Sweden", iso3="SWE"),
                       clearance=C.RESTRICTED)


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


def test_organisations_list_filters_sort_and_detail(donor, recipient):
    OrganisationFactory(code="FIN", name="Finland", iso3="FIN", alliance_status="ally",
                        gdp_eur=Decimal("280000000000"), gdp_year=2023, gdp_source="IMF WEO")
    OrganisationFactory(code="CHE", name="Switzerland", iso3="CHE", alliance_status="partner")
    client = client_for(donor)
    reply = client.get("/organisations/", {"alliance_status": "partner"})
    assert [r["cells"][1].text for r in reply.context["rows"]] == ["Switzerland"]
    reply = client.get("/organisations/", {"q": "fin"})
    cells = [c.text for c in reply.context["rows"][0]["cells"]]
    assert cells == ["FIN", "Finland", "Donor nation", "Ally", "280,000,000,000", "2023",
                     "IMF WEO"]
    names = [r["cells"][1].text for r in client.get(
        "/organisations/", {"ordering": "-name"}).context["rows"]]
    assert names == sorted(names, reverse=True)
    fin = reply.context["rows"][0]["pk"]
    detail = client.get(reverse("parties:detail", args=[fin]))
    assert detail.status_code == 200 and "IMF WEO" in detail.content.decode()
    assert client.get(reverse("parties:detail", args=[987654])).status_code == 404


def test_catalogue_list_nsn_filters_and_detail_counts_what_the_user_sees(
    coordinator, other_donor, recipient, donor_org
):
    item = ItemTypeFactory(name="Mortar Tau", nsn="1015012345678", supply_class="1015",
                           lethal=True, unit_value_eur=Decimal("1200.50"))
    ItemTypeFactory(name="Blanket Rho", lethal=False)
    NeedFactory(owner=recipient, item_type=item, classification=C.COALITION)
    NeedFactory(owner=recipient, item_type=item, classification=C.RESTRICTED,
                release_all_donors=False)  # coordinator only
    PledgeFactory(owner=donor_org, item_type=item)  # coordinator only
    client = client_for(other_donor)
    reply = client.get("/catalogue/", {"q": "mortar"})
    assert [c.text for c in reply.context["rows"][0]["cells"]] == [
        "Mortar Tau", "1015-01-234-5678", "1015", item.area.name, "", "each", "1,200.50", "yes"]
    assert [r["cells"][0].text for r in client.get(
        "/catalogue/", {"lethal": "false"}).context["rows"]] == ["Blanket Rho"]
    assert shown(client.get("/catalogue/", {"nsn": "1015-01-234-5678"})) == [item.pk]
    detail = client.get(reverse("catalogue:detail", args=[item.pk])).content.decode()
    assert "1 need</a> for this item" in detail and "0 pledges" in detail
    detail = client_for(coordinator).get(reverse("catalogue:detail", args=[item.pk]))
    text = detail.content.decode()
    assert "2 needs</a> for this item" in text and "1 pledge</a>" in text
    assert banner(detail) == C.RESTRICTED
    assert client.get(reverse("catalogue:detail", args=[987654])).status_code == 404


def test_rows_link_to_detail_pages(needs, coordinator):
    target = reverse("needs:detail", args=[needs["open_low"].pk])
    assert f'href="{target}"' in table(client_for(coordinator).get("/needs/"))


def test_dates_are_inputs_of_type_date(coordinator):
    text = client_for(coordinator).get("/needs/").content.decode()
    assert 'type="date" name="required_by_after"' in text


def test_export_links_are_a_clear_pair(coordinator):
    text = client_for(coordinator).get("/pledges/", {"kind": "stock"}).content.decode()
    assert '<a href="/pledges/export.csv/?kind=stock" download>Export CSV</a>' in text
    assert '<a href="/pledges/export.xlsx/?kind=stock" download>Export XLSX</a>' in text


@pytest.mark.parametrize("url", ["/needs/", "/pledges/", "/pledges/stock/", "/organisations/",
                                 "/catalogue/"])
def test_query_count_does_not_grow_with_the_page_size(coordinator, recipient, donor_org, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(4):
        need = NeedFactory(owner=recipient)
        PledgeFactory(owner=donor_org, need=need, kind=PledgeKind.STOCK)
        StockPositionFactory(owner=donor_org)
    client = client_for(coordinator)
    counts = []
    for size in (1, 4):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page_size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
