"""Two concurrent edits of one pledge: exactly one succeeds, the other is refused."""

import threading

import pytest
from django.db import OperationalError, connection, connections

from clearinghouse.core.errors import StaleEdit
from clearinghouse.pledges import services
from clearinghouse.pledges.models import Pledge
from tests.factories import PledgeFactory, UserFactory


def test_stale_edit_is_refused_sequentially(db, donor):
    pledge = PledgeFactory(owner=donor.organisation)
    first, second = Pledge.objects.get(pk=pledge.pk), Pledge.objects.get(pk=pledge.pk)
    services.update_pledge(donor, first, {"quantity": 11}, version=1)
    with pytest.raises(StaleEdit) as refused:
        services.update_pledge(donor, second, {"quantity": 12}, version=1)
    assert refused.value.field == "version"
    pledge.refresh_from_db()
    assert (pledge.quantity, pledge.version) == (11, 2)
    assert pledge.history.count() == 2  # created + the one edit that won


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_edits_cannot_both_succeed():
    donor = UserFactory()
    pledge = PledgeFactory(owner=donor.organisation)
    both_read = threading.Barrier(2, timeout=10)
    outcomes: dict[int, object] = {}

    def edit(quantity: int) -> None:
        try:
            mine = Pledge.objects.get(pk=pledge.pk)  # both read version 1 ...
            both_read.wait()  # ... before either writes
            services.update_pledge(donor, mine, {"quantity": quantity}, version=1)
            outcomes[quantity] = "saved"
        except (StaleEdit, OperationalError) as exc:  # SQLite may refuse with a lock error
            outcomes[quantity] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(q,)) for q in (21, 22)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [q for q, outcome in outcomes.items() if outcome == "saved"]
    assert len(outcomes) == 2 and len(winners) == 1, outcomes
    loser = next(o for o in outcomes.values() if o != "saved")
    if connection.vendor == "postgresql":
        assert isinstance(loser, StaleEdit)  # the row lock makes the second wait, then refuse
    pledge.refresh_from_db()
    assert (pledge.quantity, pledge.version) == (winners[0], 2)
