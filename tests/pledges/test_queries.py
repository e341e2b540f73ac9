"""Coverage of a need (pledges/queries.py): its pledges summed by state, over the pledges the
reader sees."""

import pytest

from clearinghouse.pledges.models import PledgeState
from clearinghouse.pledges.queries import coverage_for
from tests.factories import NeedFactory, PledgeFactory

pytestmark = pytest.mark.django_db


def test_coverage_by_state_over_visible_pledges_only(coordinator, donor):
    need = NeedFactory(quantity=100)
    for qty, state in [(30, PledgeState.DELIVERED), (10, PledgeState.ALLOCATED),
                       (25, PledgeState.ACCEPTED), (20, PledgeState.OFFERED),
                       (50, PledgeState.WITHDRAWN)]:
        PledgeFactory(need=need, item_type=need.item_type, quantity=qty, state=state)
    PledgeFactory(kind="funding", item_type=None, quantity=None, amount_eur=1000, need=need)
    seen = coverage_for([need], coordinator)[need.pk]
    assert (seen.covered, seen.accepted, seen.pledged, seen.missing) == (40, 25, 20, 15)
    assert seen.share("covered") == 40.0
    # Another donor sees none of these RESTRICTED pledges: nothing covered for it.
    other = coverage_for([need], donor)[need.pk]
    assert (other.covered, other.missing) == (0, 100)
    PledgeFactory(owner=donor.organisation, need=need, item_type=need.item_type,
                         quantity=200, state=PledgeState.ACCEPTED)
    capped = coverage_for([need], donor)[need.pk]
    assert capped.accepted == 200 and capped.missing == 0 and capped.share("accepted") == 100.0
