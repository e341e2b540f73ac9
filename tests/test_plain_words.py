"""Every page, as every role, in the users' words (issue 15): no raw code of the solver's or a
lifecycle's vocabulary, no number with trailing zeros, no ISO date in what a page says.

The pages are found by walking the URL patterns (tests/pages.py: a new page is scanned
without being listed here) and opened with the ids of a small world with an adopted plan;
what a page says is its text without tags, scripts and attribute values (an input's ISO value
is the browser's business). Their width at 390 px is checked in Chromium
(tests/browser/test_pages.py).
"""

from __future__ import annotations

import html
import re

import pytest
from django.apps import apps

from clearinghouse.core.words import WORDS
from tests.conftest import client_for
from tests.pages import adopted, page_addresses, readers  # noqa: F401  (a fixture)
from tests.planning.world import world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes connections

TRAILING_ZERO = re.compile(r"(?<![\w.])\d[\d,]*\.\d*0(?![\d.])")
ISO_DATE = re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b")


def raw_codes() -> set[str]:
    """Every code of the project's vocabulary that is not also a word (it has an underscore):
    the solver's statuses and reasons and every model's choices."""
    codes = {code for kind in WORDS.values() for code in kind}
    for model in apps.get_models():
        if not model.__module__.startswith("clearinghouse."):
            continue
        for field in model._meta.get_fields():
            for value, _ in getattr(field, "flatchoices", None) or ():
                codes.add(str(value))
    return {code for code in codes if "_" in code}


def said(page: str) -> str:
    """What the page says: its text without tags, scripts, styles or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", page))


def test_every_page_speaks_the_users_words_to_every_role(world, adopted):  # noqa: F811
    addresses = page_addresses(world, adopted)
    assert {"start", "needs:list", "planning:detail", "planning:asks", "help"} <= set(addresses)
    codes = raw_codes()
    assert {"gap_limit", "too_late", "partly_covered", "all_donors"} <= codes
    problems, read = [], 0
    for user in readers(world):
        client = client_for(user)
        for name, address in addresses.items():
            reply = client.get(address)
            assert reply.status_code < 500, (name, address, reply.status_code)
            if reply.status_code != 200 or "html" not in reply.get("Content-Type", ""):
                continue
            read += 1
            text = said(reply.content.decode())
            for code in codes:
                if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text):
                    problems.append(f"{user.username} {address}: the code {code!r}")
            problems += [f"{user.username} {address}: {m!r} has trailing zeros"
                         for m in TRAILING_ZERO.findall(text)]
            problems += [f"{user.username} {address}: {m!r} is an ISO date"
                         for m in ISO_DATE.findall(text)]
    assert read > 60, read  # every role read most pages: the walk itself works
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_scan_finds_what_it_looks_for():
    """The checks above fail on the faults they look for (and not on plain words)."""
    text = said('<p>Solver status <b>gap_limit</b>; 19000.000 units by 2026-11-30</p>'
                '<input value="2026-12-01"><script>var x = "too_late";</script>')
    assert "gap_limit" in text and "too_late" not in text and "2026-12-01" not in text
    assert TRAILING_ZERO.findall(text) == ["19000.000"]
    assert ISO_DATE.findall(text) == ["2026-11-30"]
    assert TRAILING_ZERO.findall("12,000 units, 2.5 litres, 41%, 1.05 and 3.0.1") == []
