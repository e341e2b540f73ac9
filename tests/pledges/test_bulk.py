"""Accepting and declining pledges in bulk (core/bulk.py through the pledges list): select,
confirm once, each pledge through the service in its own transaction, refusals listed."""

import re

import pytest

from clearinghouse.core.bulk import CAP
from clearinghouse.pledges.models import Pledge, PledgeState
from clearinghouse.security.roles import Classification
from tests.conftest import client_for
from tests.factories import PledgeFactory

pytestmark = pytest.mark.django_db

BULK = "/pledges/bulk/"


def offered(org, n=1, **kwargs):
    return [PledgeFactory(owner=org, release_coordinator=True, **kwargs) for _ in range(n)]


def picks(reply) -> list[str]:
    """The ``pk:version`` pairs a confirmation page will post."""
    return re.findall(r'name="pick" value="(\d+:\d+)"', reply.content.decode())


def states(pledges) -> list[str]:
    return [Pledge.objects.get(pk=p.pk).state for p in pledges]


def test_the_list_offers_checkboxes_to_a_coordinator_on_the_pledges_it_may_accept(
        coordinator, donor_org):
    waiting = offered(donor_org)[0]
    taken = PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED, release_coordinator=True)
    page = client_for(coordinator).get("/pledges/").content.decode()
    assert f'name="pick" value="{waiting.pk}"' in page
    assert f'name="pick" value="{taken.pk}"' not in page  # accepted already: nothing to do
    assert 'name="page_all"' in page and 'value="accept"' in page and 'value="decline"' in page
    assert "Accept all 1 pledge matching these filters" in page
    assert "pledges awaiting acceptance" in page  # the shortcut to ?state=offered


def test_a_donor_gets_no_checkboxes_and_403_on_the_bulk_address(donor, donor_org):
    mine = offered(donor_org)[0]
    page = client_for(donor).get("/pledges/").content.decode()
    assert 'name="pick"' not in page and 'id="bulk-form"' not in page
    client = client_for(donor)
    assert client.get(BULK, {"do": "accept", "pick": mine.pk}).status_code == 403
    assert client.post(BULK, {"do": "accept", "pick": f"{mine.pk}:1"}).status_code == 403
    assert states([mine]) == [PledgeState.OFFERED]


def test_confirm_then_accept_each_recorded_under_the_coordinator(coordinator, donor_org):
    chosen = offered(donor_org, 3)
    client = client_for(coordinator)
    confirm = client.get(BULK, {"do": "accept", "pick": [p.pk for p in chosen]})
    assert confirm.status_code == 200
    assert states(chosen) == [PledgeState.OFFERED] * 3  # confirming changes nothing
    assert sorted(picks(confirm)) == sorted(f"{p.pk}:{p.version}" for p in chosen)
    assert "Accept 3 pledges?" in confirm.content.decode()

    result = client.post(BULK, {"do": "accept", "pick": picks(confirm)})
    assert result.status_code == 200
    assert "3 done, 0 refused" in result.content.decode()
    assert states(chosen) == [PledgeState.ACCEPTED] * 3
    for p in chosen:
        latest = Pledge.objects.get(pk=p.pk).history.order_by("-history_id").first()
        assert latest.state == PledgeState.ACCEPTED and latest.history_user == coordinator


def test_one_refusal_does_not_undo_the_others_and_is_listed_with_its_reason(
        coordinator, donor_org):
    fine, changed, withdrawn = offered(donor_org, 3)
    client = client_for(coordinator)
    confirm = client.get(BULK, {"do": "decline", "pick": [fine.pk, changed.pk, withdrawn.pk]})
    pairs = picks(confirm)
    # Meanwhile its donor edits one (a new version) and withdraws another.
    Pledge.objects.filter(pk=changed.pk).update(version=changed.version + 1)
    Pledge.objects.filter(pk=withdrawn.pk).update(state=PledgeState.WITHDRAWN)

    result = client.post(BULK, {"do": "decline", "pick": pairs})
    page = result.content.decode()
    assert "1 done, 2 refused" in page
    refused = page[page.index('id="bulk-refused"'):page.index('id="bulk-done"')]
    assert f"Pledge {changed.pk}" in refused and "someone changed it since you confirmed" in refused
    assert f"Pledge {withdrawn.pk}" in refused
    assert states([fine, changed, withdrawn]) == [
        PledgeState.DECLINED, PledgeState.OFFERED, PledgeState.WITHDRAWN]


def test_the_confirmation_lists_what_will_not_be_done_and_why(coordinator, donor_org):
    waiting = offered(donor_org)[0]
    taken = PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED, release_coordinator=True)
    page = client_for(coordinator).get(
        BULK, {"do": "accept", "pick": [waiting.pk, taken.pk, 987654]}).content.decode()
    will = page[page.index('id="bulk-will"'):page.index('id="bulk-wont"')]
    wont = page[page.index('id="bulk-wont"'):]
    assert f"Pledge {waiting.pk}" in will and f"Pledge {taken.pk}" not in will
    assert f"Pledge {taken.pk}" in wont and "it is accepted" in wont.lower()
    assert "Pledge 987654" in wont and "not found" in wont


def test_pledges_the_coordinator_may_not_see_cannot_be_touched_by_id(coordinator, donor_org):
    hidden = PledgeFactory(owner=donor_org, release_coordinator=False)  # never released
    above = PledgeFactory(owner=donor_org, release_coordinator=True,
                          classification=Classification.CONFIDENTIAL)
    coordinator.clearance = Classification.RESTRICTED
    coordinator.save()
    client = client_for(coordinator)
    confirm = client.get(BULK, {"do": "accept", "pick": [hidden.pk, above.pk]}).content.decode()
    assert f'value="{hidden.pk}:' not in confirm and f'value="{above.pk}:' not in confirm
    assert confirm.count("not found") == 2
    result = client.post(BULK, {"do": "accept",
                                "pick": [f"{hidden.pk}:1", f"{above.pk}:1"]}).content.decode()
    assert "0 done, 2 refused" in result and result.count("not found") == 2
    assert states([hidden, above]) == [PledgeState.OFFERED, PledgeState.OFFERED]


def test_all_on_this_page_without_javascript(coordinator, donor_org):
    chosen = offered(donor_org, 2)
    page = client_for(coordinator).get(BULK, {
        "do": "accept", "page_all": "1", "on_page": [p.pk for p in chosen]})
    assert sorted(picks(page)) == sorted(f"{p.pk}:{p.version}" for p in chosen)


def test_all_matching_the_filter_across_pages_is_capped(coordinator, donor_org, monkeypatch):
    from clearinghouse.pledges.views import PLEDGE_BULK

    monkeypatch.setattr(PLEDGE_BULK, "cap", 3)
    offered(donor_org, 5)
    PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED, release_coordinator=True)
    client = client_for(coordinator)
    listing = client.get("/pledges/", {"state": "offered", "page_size": 2}).content.decode()
    assert "Accept all 5 pledges matching these filters" in listing
    assert "at most 3 at a time" in listing
    confirm = client.get(BULK, {"do": "accept", "matching": "1", "state": "offered"})
    assert len(picks(confirm)) == 3
    assert "2 more match" in confirm.content.decode()
    client.post(BULK, {"do": "accept", "pick": picks(confirm)})
    assert Pledge.objects.filter(state=PledgeState.OFFERED).count() == 2
    # Declining every match at once is not offered: decline the ones you select.
    assert "Decline all" not in listing
    assert picks(client.get(BULK, {"do": "decline", "matching": "1", "state": "offered"})) == []
    assert CAP == 500


def test_bad_input_is_a_clear_page_never_an_error(coordinator):
    client = client_for(coordinator)
    assert client.get(BULK).status_code == 400
    assert client.get(BULK, {"do": "explode"}).status_code == 400
    reply = client.post(BULK, {"do": "accept", "pick": ["x", "1:y", ""]})
    assert reply.status_code == 200 and "0 done" in reply.content.decode()
