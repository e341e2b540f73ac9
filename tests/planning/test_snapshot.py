"""The snapshot (planning/snapshot.py): a valid instance of what the user may see, and the
solver's words made readable."""

from __future__ import annotations

import pytest

from clearinghouse.planning.snapshot import take_snapshot
from clearinghouse.planning.solver import parse_instance
from clearinghouse.pledges.models import PledgeState
from tests.factories import PledgeFactory

# The worker closes its connection between tasks (as a worker process should): on PostgreSQL
# that ends a test transaction, so these tests commit and are flushed after.
pytestmark = pytest.mark.django_db(transaction=True)


def test_snapshot_is_a_valid_instance_of_what_the_coordinator_sees(world):
    hidden = PledgeFactory(item_type=world.shells, state=PledgeState.ACCEPTED,
                           origin_depot="DEU depot 1", release_coordinator=False)
    offered = PledgeFactory(item_type=world.shells, state=PledgeState.OFFERED,
                            origin_depot="DEU depot 1")
    inst = take_snapshot(world.coordinator).instance
    parse_instance(inst)  # schema and meaning checks of the contract
    pledges = {p["id"] for p in inst["pledges"]}
    assert pledges == {f"P{world.deu.pk}", f"P{world.pol.pk}"}
    assert f"P{hidden.pk}" not in pledges and f"P{offered.pk}" not in pledges
    assert [f["id"] for f in inst["funds"]] == [f"F{world.fund.pk}"]
    assert inst["funds"][0]["non_lethal_only"] is True
    needs = {n["id"]: n for n in inst["needs"]}
    assert needs[f"N{world.critical.pk}"]["priority"] == "critical"
    assert needs[f"N{world.low.pk}"]["region"] == "west"
    assert inst["hubs"] == [{"id": "rze", "capacity_pallets": 10}]


def test_snapshot_reads_only_what_the_user_may_see(world):
    # A donor sees its own pledges only; a plan is the coordinator's, but the snapshot obeys
    # visible_to(user) whoever asks.
    inst = take_snapshot(world.pol_rep).instance
    assert {p["id"] for p in inst["pledges"]} == {f"P{world.pol.pk}"}
    assert inst["hubs"] == []


def test_solver_words_are_made_readable():
    from clearinghouse.planning.snapshot import readable

    said = "pledge P7 goes to N12 (critical); 30 more of item I3 at depot DEU depot 1; fund F2"
    assert readable(said, {3: "155 mm shell"}) == (
        "pledge 7 goes to need 12 (critical); 30 more of 155 mm shell at depot DEU depot 1; "
        "fund 2")
