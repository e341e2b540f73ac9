"""The users' words (core/words.py): numbers, percentages, dates and codes read one way."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template

from clearinghouse.core import words


@pytest.mark.parametrize(("value", "whole", "shown"), [
    (12000, False, "12,000"),
    (Decimal("19000.000"), False, "19,000"),
    (Decimal("2100000.500"), False, "2,100,001"),
    (Decimal("12.50"), False, "12.5"),
    (0.000482, False, "0"),
    (Decimal("1200.50"), False, "1,201"),
    (Decimal("12.50"), False, "12.5"),
    (Decimal("13977.52"), True, "13,978"),
    (Decimal("2.4"), True, "2"),
    (Decimal("-1250.5"), False, "-1,251"),
    (None, False, "–"),
    ("not a number", False, "–"),
    (float("nan"), False, "–"),
])
def test_numbers_are_grouped_without_trailing_zeros(value, whole, shown):
    assert words.number(value, whole=whole) == shown


@pytest.mark.parametrize(("fraction", "shown"), [
    (0.407, "41%"), (0, "0%"), (1, "100%"), (0.004, "under 1%"), (0.996, "99%"),
    (Decimal("0.5"), "50%"), (None, "–"),
])
def test_percentages_are_whole_and_never_round_to_all_or_nothing(fraction, shown):
    assert words.percent(fraction) == shown


def test_codes_read_as_words_and_an_unknown_code_loses_its_underscores():
    assert words.word("solver_status", "gap_limit") == "within a hair of the best plan possible"
    assert words.words("reason", ["too_late", "no_route", "too_late"]) == (
        "offered, but ready too late; no route to its region")
    assert words.word("reason", "brand_new_code") == "brand new code"
    assert words.word("reason", None) == ""


def test_dates_read_as_people_write_them():
    assert words.day(dt.date(2026, 12, 25)) == "25 Dec 2026"
    assert words.month(dt.date(2026, 12, 25)) == "Dec 2026"


def test_the_template_filters_say_the_same():
    out = Template('{% load words %}{{ q|num }} {{ w|num:True }} {{ c|pct }} '
                   '{{ s|word:"solver_status" }} {{ d|day }}').render(Context({
                       "q": Decimal("2100.500"), "w": Decimal("7.6"), "c": 0.409,
                       "s": "optimal", "d": dt.date(2027, 1, 3)}))
    assert out == "2,101 8 41% the best plan possible 3 Jan 2027"


def test_every_term_links_to_its_explanation_on_the_help_page(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x-long-password-1")
    client.force_login(user)
    link = Template('{% load words %}{% term "bound" %}').render(Context({}))
    assert 'href="/help/#bound"' in link and ">best possible<" in link
    page = client.get("/help/").content.decode()
    for key, (label, _) in words.GLOSSARY.items():
        assert f'id="{key.replace(" ", "-")}"' in page and label in page


def test_the_help_page_is_for_signed_in_users(client):
    assert client.get("/help/").status_code == 302


def test_amounts_keep_both_digits_of_their_cents():
    assert words.money(Decimal("1200.5")) == "EUR 1,200.50"
    assert words.money(Decimal("2500000.00")) == "EUR 2,500,000"
    assert words.euros(None) == "–"
