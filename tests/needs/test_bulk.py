"""Validating (and opening) needs in bulk from the needs list (core/bulk.py): only coordinators,
each need through the service, refusals listed with the reason."""

import re

import pytest

from clearinghouse.needs.models import Need, NeedState
from clearinghouse.security.roles import Classification
from tests.conftest import client_for
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

BULK = "/needs/bulk/"


def submitted(owner, n=1, **kwargs):
    kwargs = {"release_all_donors": False, **kwargs}
    return [NeedFactory(owner=owner, state=NeedState.SUBMITTED, release_coordinator=True,
                        **kwargs) for _ in range(n)]


def picks(reply) -> list[str]:
    return re.findall(r'name="pick" value="(\d+:\d+)"', reply.content.decode())


def states(needs) -> list[str]:
    return [Need.objects.get(pk=n.pk).state for n in needs]


def test_a_coordinator_validates_needs_in_one_go(coordinator, recipient):
    chosen = submitted(recipient, 3)
    draft = NeedFactory(owner=recipient, state=NeedState.DRAFT, release_coordinator=True)
    client = client_for(coordinator)
    page = client.get("/needs/", {"state": "submitted"}).content.decode()
    assert all(f'name="pick" value="{n.pk}"' in page for n in chosen)
    assert 'value="validate"' in page and "needs awaiting validation" in page

    confirm = client.get(BULK, {"do": "validate", "pick": [n.pk for n in chosen] + [draft.pk]})
    assert len(picks(confirm)) == 3 and "it is draft" in confirm.content.decode().lower()
    result = client.post(BULK, {"do": "validate", "pick": picks(confirm)})
    assert "3 done, 0 refused" in result.content.decode()
    assert states(chosen) == [NeedState.VALIDATED] * 3
    assert states([draft]) == [NeedState.DRAFT]
    for n in chosen:
        latest = Need.objects.get(pk=n.pk).history.order_by("-history_id").first()
        assert latest.state == NeedState.VALIDATED and latest.history_user == coordinator


def test_a_partial_failure_is_listed_and_the_rest_is_done(coordinator, recipient):
    fine, stale = submitted(recipient, 2)
    client = client_for(coordinator)
    pairs = picks(client.get(BULK, {"do": "validate", "pick": [fine.pk, stale.pk]}))
    Need.objects.filter(pk=stale.pk).update(version=stale.version + 1)
    page = client.post(BULK, {"do": "validate", "pick": pairs}).content.decode()
    assert "1 done, 1 refused" in page
    refused = page[page.index('id="bulk-refused"'):page.index('id="bulk-done"')]
    assert f"Need {stale.pk}" in refused and "changed it since you confirmed" in refused
    assert states([fine, stale]) == [NeedState.VALIDATED, NeedState.SUBMITTED]


def test_opening_validated_needs_publishes_them_to_donors(coordinator, recipient):
    need = NeedFactory(owner=recipient, state=NeedState.VALIDATED, release_all_donors=False)
    client = client_for(coordinator)
    pairs = picks(client.get(BULK, {"do": "open", "matching": "1", "state": "validated"}))
    assert pairs == [f"{need.pk}:{need.version}"]
    client.post(BULK, {"do": "open", "pick": pairs})
    need.refresh_from_db()
    assert need.state == NeedState.OPEN and need.release_all_donors


@pytest.mark.parametrize("who", ["planner", "donor"])
def test_others_get_no_checkboxes_and_403_and_nothing_changes(who, request, recipient):
    user = request.getfixturevalue(who)
    need = submitted(recipient, release_all_donors=True)[0]
    client = client_for(user)
    page = client.get("/needs/").content.decode()
    assert 'name="pick"' not in page and 'id="bulk-form"' not in page
    assert client.get(BULK, {"do": "validate", "pick": need.pk}).status_code == 403
    assert client.post(BULK, {"do": "validate", "pick": f"{need.pk}:1"}).status_code == 403
    assert states([need]) == [NeedState.SUBMITTED]


def test_needs_the_coordinator_may_not_see_are_not_found(coordinator, recipient):
    coordinator.clearance = Classification.COALITION
    coordinator.save()
    above = submitted(recipient, classification=Classification.RESTRICTED)[0]
    client = client_for(coordinator)
    confirm = client.get(BULK, {"do": "validate", "pick": above.pk}).content.decode()
    assert picks_of(confirm) == [] and "not found" in confirm
    result = client.post(BULK, {"do": "validate", "pick": f"{above.pk}:1"}).content.decode()
    assert "0 done, 1 refused" in result and "not found" in result
    assert states([above]) == [NeedState.SUBMITTED]


def picks_of(page: str) -> list[str]:
    return re.findall(r'name="pick" value="(\d+:\d+)"', page)
