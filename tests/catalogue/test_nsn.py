"""The NSN helpers (catalogue/nsn.py): normalise, then format with dashes."""

from clearinghouse.catalogue.nsn import format_nsn, normalise_nsn


def test_nsn_helpers():
    assert format_nsn(normalise_nsn("1410-12-345-6789")) == "1410-12-345-6789"
    assert format_nsn("") == ""
