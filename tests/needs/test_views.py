"""Need pages through Django's test client: the list (count, columns, filters, search, sorting,
bad filter input, banner) and detail, create, edit, lifecycle actions."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from clearinghouse.needs.models import Need, NeedState, Priority
from clearinghouse.pledges.models import Pledge, PledgeState
from clearinghouse.security.roles import Classification
from tests.conftest import banner, client_for, shown, table
from tests.factories import (
    FamilyFactory,
    ItemTypeFactory,
    NeedFactory,
    PledgeFactory,
    RegionFactory,
    UserFactory,
    allocate,
    in_days,
)

pytestmark = pytest.mark.django_db
C = Classification


def need_data(item, place, **changes) -> dict:
    data = {
        "item_type": item.pk, "family": "", "quantity": "20", "priority": "2",
        "required_by": in_days(60).isoformat(), "region": place.pk,
        "justification": "Two batteries for Kyiv", "classification": str(Classification.COALITION),
        "release_recipient": "on", "release_all_donors": "on",
    }
    return {**data, **changes}


def buttons(page: str) -> set[str]:
    """The lifecycle actions offered on a page (their act URLs' last segment)."""
    return set(re.findall(r'/act/([a-z_]+)/"', page))


def test_the_planner_creates_a_need_then_submits_it(planner):
    item, region = ItemTypeFactory(name="Patriot battery"), RegionFactory(code="kyiv")
    client = client_for(planner)
    form = client.get(reverse("needs:create"))
    assert form.status_code == 200
    page = form.content.decode()
    assert '<label for="id_quantity">' in page and 'name="version"' in page

    reply = client.post(reverse("needs:create"), need_data(item, region))
    assert reply.status_code == 303
    need = Need.objects.get()
    assert reply["Location"] == reverse("needs:detail", args=[need.pk])
    assert (need.owner, need.state, need.quantity) == (planner.organisation, "draft", 20)

    detail = client.get(reply["Location"])
    page = detail.content.decode()
    assert detail.status_code == 200 and "Patriot battery" in page
    assert 'class="banner level-1"' in page  # COALITION
    assert "saved as a draft" in page
    assert buttons(page) == {"submit", "cancel"}
    assert reverse("needs:edit", args=[need.pk]) in page
    assert "History" in page and "Created" in page and f"by {planner.username}" in page

    done = client.post(reverse("needs:act", args=[need.pk, "submit"]),
                       {"version": need.version}, follow=True)
    assert done.status_code == 200
    need.refresh_from_db()
    assert need.state == NeedState.SUBMITTED
    assert "it is now Submitted" in done.content.decode()


def test_bad_input_shows_errors_by_field_and_stores_nothing(planner):
    item, region = ItemTypeFactory(), RegionFactory(code="kyiv")
    client = client_for(planner)
    reply = client.post(reverse("needs:create"), need_data(item, region, quantity="-3"))
    page = reply.content.decode()
    assert reply.status_code == 400 and not Need.objects.exists()
    assert "The quantity must be positive." in page
    # The error sits next to its field and is linked to it.
    assert 'id="id_quantity_error"' in page
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_quantity_error[^"]*"[^>]*'
                     r'name="quantity"|name="quantity"[^>]*aria-describedby="[^"]*id_quantity_error',
                     page)
    assert 'value="-3"' in page  # the input is kept

    # Both an item and a family: the domain's rule, reported by the service, by field.
    family = FamilyFactory()
    reply = client.post(reverse("needs:create"), need_data(item, region, family=family.pk))
    assert reply.status_code == 400 and not Need.objects.exists()
    assert "Name either one item type or one compatibility family." in reply.content.decode()
    assert 'id="id_item_type_error"' in reply.content.decode()

    reply = client.post(reverse("needs:create"), need_data(item, region, quantity="",
                                                           region=""))
    assert reply.status_code == 400 and not Need.objects.exists()
    assert 'id="id_region_error"' in reply.content.decode()


def test_who_sees_which_buttons(planner, coordinator, donor):
    need = NeedFactory(owner=planner.organisation, state=NeedState.SUBMITTED)
    url = reverse("needs:detail", args=[need.pk])
    assert buttons(client_for(planner).get(url).content.decode()) == {"cancel"}
    assert buttons(client_for(coordinator).get(url).content.decode()) == {
        "return", "validate", "cancel"}
    page = client_for(donor).get(url).content.decode()
    assert buttons(page) == set() and reverse("needs:edit", args=[need.pk]) not in page
    # The coordinator cannot edit the recipient's need; the planner can while submitted.
    edit = reverse("needs:edit", args=[need.pk])
    assert edit not in client_for(coordinator).get(url).content.decode()
    assert edit in client_for(planner).get(url).content.decode()

    # A superuser coordinator-less administrator sees no button either.
    admin = UserFactory(organisation=planner.organisation, roles=[], is_superuser=True)
    assert buttons(client_for(admin).get(url).content.decode()) == set()

    # Once open, the donor is offered to pledge against it.
    need.state = NeedState.OPEN
    need.save()
    page = client_for(donor).get(url).content.decode()
    assert f"{reverse('pledges:create')}?need={need.pk}" in page
    assert buttons(client_for(coordinator).get(url).content.decode()) == {"cancel"}


def test_refused_actions_say_why(planner, coordinator, donor):
    need = NeedFactory(owner=planner.organisation, state=NeedState.OPEN)
    client = client_for(coordinator)
    reply = client.post(reverse("needs:act", args=[need.pk, "validate"]),
                        {"version": need.version}, follow=True)
    assert "Cannot validate this need: it is &#x27;open&#x27;" in reply.content.decode()
    reply = client.post(reverse("needs:act", args=[need.pk, "cancel"]), {"version": 99},
                        follow=True)
    assert "someone changed this need since you opened it" in reply.content.decode()
    need.refresh_from_db()
    assert need.state == NeedState.OPEN
    # Not the donor's to press: 403, and the GET confirmation page too.
    assert client_for(donor).post(reverse("needs:act", args=[need.pk, "cancel"]),
                                  {"version": need.version}).status_code == 403
    # nor anyone's to cover by hand: coverage follows from the adopted plan
    assert client.post(reverse("needs:act", args=[need.pk, "cover"]),
                       {"version": need.version}).status_code == 403
    assert client_for(donor).get(reverse("needs:act", args=[need.pk, "cancel"])).status_code == 403
    assert client.post(reverse("needs:act", args=[need.pk, "fly"])).status_code == 404


def test_cancelling_asks_for_confirmation(planner, coordinator):
    need = NeedFactory(owner=planner.organisation, state=NeedState.OPEN)
    client = client_for(coordinator)
    detail = client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    act = reverse("needs:act", args=[need.pk, "cancel"])
    assert f'<a class="button danger" href="{act}">' in detail  # a link to confirm, not a post
    confirm = client.get(act)
    page = confirm.content.decode()
    assert confirm.status_code == 200 and "cannot be undone" in page
    assert re.search(r'<button type="submit" class="danger" autofocus>', page)
    assert f'name="version" value="{need.version}"' in page
    done = client.post(act, {"version": need.version})
    assert done.status_code == 303
    need.refresh_from_db()
    assert need.state == NeedState.CANCELLED


def test_a_stale_edit_is_refused_with_the_input_kept(planner):
    need = NeedFactory(owner=planner.organisation, state=NeedState.DRAFT,
                       classification=Classification.COALITION)
    first, second = client_for(planner), client_for(planner)
    url = reverse("needs:edit", args=[need.pk])
    assert first.get(url).status_code == 200 and second.get(url).status_code == 200
    data = need_data(need.item_type, need.region, version=need.version)
    assert first.post(url, {**data, "quantity": "30"}).status_code == 303
    reply = second.post(url, {**data, "quantity": "45", "justification": "Mine"})
    page = reply.content.decode()
    assert reply.status_code == 409
    assert "Someone changed this need since you opened it" in page
    assert 'value="45"' in page and "Mine" in page  # the user's input is kept
    need.refresh_from_db()
    assert need.quantity == Decimal("30") and need.justification == "Two batteries for Kyiv"
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert f'name="version" value="{need.version}"' in page


def test_editing_a_validated_need_is_refused(planner):
    need = NeedFactory(owner=planner.organisation, state=NeedState.VALIDATED)
    assert client_for(planner).get(reverse("needs:edit", args=[need.pk])).status_code == 403


def test_an_invisible_need_is_absent(planner, donor, coordinator):
    need = NeedFactory(owner=planner.organisation, state=NeedState.SUBMITTED,
                       release_all_donors=False, item_type=ItemTypeFactory(name="Secret kit"))
    client = client_for(donor)
    for url, method in (
        (reverse("needs:detail", args=[need.pk]), "get"),
        (reverse("needs:edit", args=[need.pk]), "get"),
        (reverse("needs:edit", args=[need.pk]), "post"),
        (reverse("needs:act", args=[need.pk, "cancel"]), "get"),
        (reverse("needs:act", args=[need.pk, "cancel"]), "post"),
    ):
        reply = getattr(client, method)(url)
        assert reply.status_code == 404, (url, method)
        assert "Secret kit" not in reply.content.decode()
    above = NeedFactory(owner=planner.organisation, classification=Classification.CONFIDENTIAL)
    assert client_for(planner).get(reverse("needs:detail", args=[above.pk])).status_code == 404


def test_need_page_shows_coverage_and_hides_an_anonymous_donor(planner, coordinator, donor):
    need = NeedFactory(owner=planner.organisation, quantity=Decimal("100"))
    PledgeFactory(owner=donor.organisation, need=need, item_type=need.item_type,
                  quantity=Decimal("30"), state=PledgeState.ACCEPTED, release_recipient=True)
    PledgeFactory(owner=donor.organisation, need=need, item_type=need.item_type,
                  quantity=Decimal("25"), anonymous=True, origin_depot="Depot Hidden-9",
                  release_recipient=True, classification=Classification.COALITION)
    allocate(PledgeFactory(owner=donor.organisation, need=need, item_type=need.item_type,
                           quantity=Decimal("40"), state=PledgeState.ALLOCATED))
    page = client_for(planner).get(reverse("needs:detail", args=[need.pk])).content.decode()
    numbers = dict(re.findall(r'data-part="(\w+)">([^<]*)<', page))
    # The pledge is the coordinator's to see, not the recipient's; what the adopted plan
    # brings the recipient's need is the recipient's to see (its donor is not shown).
    assert numbers == {"quantity": "100", "covered": "40", "late": "0", "accepted": "30",
                       "pledged": "25", "missing": "5"}
    assert 'class="bar" role="img"' in page  # includes/coverage_bar.html
    assert "anonymous" in page and "Germany" in page  # the named pledge shows its donor
    assert page.count("Germany") == 1 and "Depot Hidden-9" not in page
    page = client_for(coordinator).get(reverse("needs:detail", args=[need.pk])).content.decode()
    numbers = dict(re.findall(r'data-part="(\w+)">([^<]*)<', page))
    assert numbers["covered"] == "40" and numbers["missing"] == "5"
    assert page.count("Germany") == 3 and "anonymous</td>" not in page
    assert Pledge.objects.count() == 3


# -- the list ----------------------------------------------------------------------------------

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


def test_rows_link_to_detail_pages(needs, coordinator):
    target = reverse("needs:detail", args=[needs["open_low"].pk])
    assert f'href="{target}"' in table(client_for(coordinator).get("/needs/"))


def test_dates_are_inputs_of_type_date(coordinator):
    text = client_for(coordinator).get("/needs/").content.decode()
    assert 'type="date" name="required_by_after"' in text
