"""Item types store an NSN normalised and refuse a malformed one, naming the field."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import AreaFactory, ItemTypeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["1005-01-123-4567", "1005011234567", "1005 01 123 4567"])
def test_nsn_is_stored_normalised_and_shown_with_dashes(raw):
    item = ItemTypeFactory.build(supply_class="1005", nsn=raw, area=AreaFactory())
    item.full_clean()
    item.save()
    assert item.nsn == "1005011234567"
    assert item.nsn_display == "1005-01-123-4567"


@pytest.mark.parametrize(
    ("raw", "words"),
    [("1005-01-123-456", "13 digits"), ("1005-01-123-45678", "13 digits"),
     ("10A5-01-123-4567", "13 digits"), ("1320-01-123-4567", "class 1320")],
)
def test_bad_nsn_is_refused_naming_the_field(raw, words):
    item = ItemTypeFactory.build(supply_class="1005", nsn=raw, area=AreaFactory())
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert words in refused.value.message_dict["nsn"][0]
