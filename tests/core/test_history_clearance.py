"""A record downgraded since never shows, in its history, what it said while it was classified
above the reader's clearance: not on its page, not through the API."""

import pytest

from clearinghouse.security.roles import Classification
from tests.conftest import client_for
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db
C = Classification


@pytest.fixture
def downgraded(recipient):
    need = NeedFactory(owner=recipient, classification=C.CONFIDENTIAL,
                       justification="Brigade Kilo moves north on the ninth")
    need.classification = C.RESTRICTED
    need.justification = "Replace combat losses"
    need.save()
    return need


def test_a_reader_below_the_old_classification_sees_no_value_from_then(downgraded, donor, api):
    page = client_for(donor).get(f"/needs/{downgraded.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Replace combat losses" in text and "Brigade Kilo" not in text
    assert "classified above your clearance then" in text
    history = api.as_(donor).get(f"/api/needs/{downgraded.pk}/history/").json()
    assert "Brigade Kilo" not in str(history)
    assert [e.get("withheld", False) for e in history] == [True]


def test_a_reader_cleared_for_it_sees_the_whole_history(downgraded, coordinator, api):
    text = client_for(coordinator).get(f"/needs/{downgraded.pk}/").content.decode()
    assert "Brigade Kilo" in text and "classified above your clearance" not in text
    history = api.as_(coordinator).get(f"/api/needs/{downgraded.pk}/history/").json()
    assert len(history) == 2 and "Brigade Kilo" in str(history)
