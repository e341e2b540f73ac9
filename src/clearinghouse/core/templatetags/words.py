"""Template filters for the users' words (core/words.py): one way to show every number,
percentage, date and code on every page.

    {% load words %}
    {{ need.quantity|num:need.item_type.is_indivisible }}  {{ plan.coverage|pct }}
    {{ gap.codes|words:"reason" }}  {{ plan.status|word:"solver_status" }}  {{ d|day }}
    {% term "coverage" %}  {% term "bound" "best possible" %}
"""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from clearinghouse.core import words as w

register = template.Library()


@register.filter
def num(value: Any, whole: Any = False) -> str:
    """A number: ``|num`` (at most two decimals), ``|num:True`` whole units."""
    return w.number(value, whole=bool(whole) and whole != "False")


@register.filter
def decimals(value: Any, places: int) -> str:
    """A small figure kept to ``places`` decimals (pallets per unit: 0.0125)."""
    return w.number(value, places=int(places))


@register.filter
def pct(value: Any) -> str:
    return w.percent(value)


@register.filter
def money(value: Any) -> str:
    return w.money(value)


@register.filter
def day(value: Any) -> str:
    return w.day(value)


@register.filter
def month(value: Any) -> str:
    return w.month(value)


@register.filter
def moment(value: Any) -> str:
    return w.moment(value)


@register.filter
def word(code: Any, kind: str) -> str:
    return w.word(kind, code)


@register.filter
def words(codes: Any, kind: str) -> str:
    return w.words(kind, list(codes or ()))


@register.simple_tag
def term(key: str, text: str = "") -> str:
    """A link to the help page's explanation of ``key``, its text the term (or ``text``), the
    explanation also its title for a mouse."""
    label, explanation = w.GLOSSARY[key]
    anchor = key.replace(" ", "-")
    return format_html('<a class="term" href="{}#{}" title="{}">{}</a>', reverse("help"),
                       anchor, explanation, text or label.lower())
