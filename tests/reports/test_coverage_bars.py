"""The coverage bar include (templates/includes/coverage_bar.html, reports/templatetags/
coverage_bars.py): the numbers as text and label, capped at the need, formatted."""

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from clearinghouse.planning.queries import Coverage

D = Decimal


def test_coverage_bar_renders_the_numbers_as_text_and_label():
    c = Coverage(quantity=D("100"), covered=D("10"), late=D("5"), accepted=D("20"),
                 pledged=D("30"))
    html = render_to_string("includes/coverage_bar.html", {"coverage": c, "label": "Shells"})
    assert 'role="img"' in html
    assert ('aria-label="Shells: covered 10, planned late 5, accepted 20, pledged 30, '
            'missing 35 of 100"') in html
    text = re.sub(r"<[^>]+>", " ", html)
    for words in ("covered 10", "planned late 5", "accepted 20", "pledged 30", "missing 35",
                  "of 100"):
        assert words in text
    widths = dict(re.findall(r'class="(\w+)" style="width: ([\d.]+)%"', html))
    assert widths == {"covered": "10.00", "late": "5.00", "accepted": "20.00",
                      "pledged": "30.00", "missing": "35.00"}


def test_coverage_bar_names_no_late_part_when_none_is_late():
    c = Coverage(quantity=D("10"), covered=D("10"), late=D("0"), accepted=D("0"),
                 pledged=D("0"))
    html = render_to_string("includes/coverage_bar.html", {"coverage": c})
    assert 'class="late"' not in html
    assert "covered 10, planned late 0, accepted 0" in html  # the label still says so


def test_coverage_bar_caps_an_over_pledged_need_and_formats_quantities():
    c = Coverage(quantity=D("1500"), covered=D("1000"), late=D("0"), accepted=D("900"),
                 pledged=D("2.5"))
    html = render_to_string("includes/coverage_bar.html", {"coverage": c})
    assert "covered 1,000, planned late 0, accepted 900, pledged 2.5, missing 0 of 1,500" in html
    widths = [float(w) for w in re.findall(r'style="width: ([\d.]+)%"', html)]
    assert sum(widths) == pytest.approx(100)
    assert len(widths) == 2  # pledged and missing fall beyond the need: no sliver drawn
