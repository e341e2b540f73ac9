"""The plan pages and the ask list read as a briefing: words, not codes; dates never past;
every need findable; the what-if form by names and dates; the CSV as the page; a region only
for those who may see the need."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from clearinghouse.core.words import WORDS
from clearinghouse.needs.models import Need, NeedState, Priority
from clearinghouse.planning import asks, services
from clearinghouse.planning.asks import ReadyBy, ready_by
from clearinghouse.planning.models import Plan
from tests.conftest import client_for
from tests.core.test_exports import split_marking
from tests.factories import DeliveryFactory, ItemTypeFactory, NeedFactory, RegionFactory
from tests.planning.world import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

CODES = [code for kind in ("reason", "solver_status") for code in WORDS[kind]
         if "_" in code] + ["no_route", "too_late", "gap_limit"]
A_DAY = re.compile(r"\b(\d{1,2} [A-Z][a-z]{2} \d{4})\b")


def solved(world, django_capture_on_commit_callbacks, adopt: bool = True, **kwargs) -> Plan:
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.run_plan(world.coordinator, "Contact group 14", **kwargs)
    run_worker()
    plan.refresh_from_db()
    if adopt:
        services.adopt_plan(world.coordinator, plan, plan.version)
        plan.refresh_from_db()
    return plan


def text_of(page: str) -> str:
    """What a reader sees of a page: no tags, no style sheet, entities decoded."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    seen = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\xa0", " ")
    return re.sub(r"\s+([,.;])", r"\1", " ".join(seen.split()))


def assert_words(page: str) -> None:
    seen = text_of(page)
    for code in CODES:
        assert code not in seen, code
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", seen), re.search(r"\b[a-z]+_[a-z_]+\b", seen)
    assert not re.search(r"\d\.\d*0\b", seen)  # no trailing zeros
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", seen)  # no ISO date
    assert not re.search(r"\bweek \d+", seen)  # dates, not week numbers


def unmet_need(world) -> Need:
    """A need nobody pledged for, in a region of its own: a gap with reasons."""
    region = RegionFactory(code="north_east", name="North East")
    DeliveryFactory(hub=world.hub, region=region, weeks=2)
    return NeedFactory(owner=world.critical.owner, item_type=ItemTypeFactory(name="Bridge layer"),
                       quantity=Decimal("3"), priority=Priority.HIGH, region=region,
                       required_by=world.critical.required_by, state=NeedState.VALIDATED)


def test_pages_say_words_not_codes(world, django_capture_on_commit_callbacks):
    unmet_need(world)
    plan = solved(world, django_capture_on_commit_callbacks)
    coordinator = client_for(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        reply = coordinator.post(reverse("planning:what-if", args=[plan.pk]),
                                 {"withdraw_donor": "POL"})
    assert reply.status_code == 303
    run_worker()
    what_if = Plan.objects.get(base=plan)
    pages = {name: coordinator.get(url).content.decode() for name, url in {
        "detail": reverse("planning:detail", args=[plan.pk]),
        "list": reverse("planning:list"),
        "asks": reverse("planning:asks"),
        "print": reverse("planning:asks-print"),
        "what-if": reverse("planning:what-if", args=[plan.pk]),
        "compare": reverse("planning:compare", args=[plan.pk, what_if.pk]),
        "variant": reverse("planning:detail", args=[what_if.pk]),
    }.items()}
    for name, page in pages.items():
        assert "floatformat" not in page, name
        assert_words(page)
    detail = text_of(pages["detail"])
    assert "Bridge layer" in detail and "North East" in detail  # item names and regions
    assert "Nothing offered fits." in detail  # the gap's reason in words
    assert re.search(r"this plan covers \d+ in full on time, \d+ in part", detail)
    assert re.search(r"Weighted by priority, its coverage is \d+%", detail)
    assert "<details" in pages["detail"] and WORDS["solver_status"][plan.status] in detail
    assert "Poland withdraws all its pledges" in text_of(pages["compare"])
    assert "Poland" in text_of(pages["what-if"]) and "Rzeszow" in text_of(pages["what-if"])
    asked = text_of(pages["asks"])
    assert "Nothing offered fits." in asked and "Bridge layer" in asked
    printed = pages["print"]
    assert "<nav" not in printed and 'data-classification="' in printed
    assert "Plan " + str(plan.pk) in printed and world.coordinator.username in text_of(printed)
    assert "As of" in printed


def test_the_ask_list_never_asks_for_a_past_date(world, django_capture_on_commit_callbacks,
                                                 monkeypatch):
    unmet_need(world)
    # week 1 of the plan three weeks ago: its own ready-by weeks are partly past
    plan = solved(world, django_capture_on_commit_callbacks,
                  start=date.today() - timedelta(weeks=3))
    client = client_for(world.coordinator)
    for late in (0, 3, 10, 40):  # read later and later: the gaps' dates go by
        on = date.today() + timedelta(weeks=late)
        monkeypatch.setattr(asks, "today", lambda on=on: on)
        page = text_of(client.get(reverse("planning:asks")).content.decode())
        rows = [a for a in asks.asks_for(plan, world.coordinator, on)]
        assert rows
        for a in rows:
            told = str(a.ready)
            asked_for = A_DAY.findall(told.split(";")[-1] if a.ready.too_late_for else told)
            assert asked_for and all(_parse(d) >= on for d in asked_for), told
            assert told in page
        if late == 40:  # past every required-by date: each says what arrives when
            assert all(a.ready.too_late_for for a in rows)
            assert all(re.fullmatch(r"too late for .+; ready by .+ arrives .+", str(a.ready))
                       for a in rows)


def _parse(text: str) -> date:
    from datetime import datetime
    return datetime.strptime(text, "%d %b %Y").date()


def test_ready_by_never_past():
    plan = Plan(start_date=date(2026, 11, 30), horizon_weeks=52)
    need = Need(required_by=date(2026, 12, 31))
    # the plan's week still ahead: its Monday
    assert str(ready_by(plan, need, 3, 1, date(2026, 12, 2))) == "14 Dec 2026"
    # the plan's week gone by, a route still fast enough: as soon as possible, next Monday
    soon = ready_by(plan, need, 1, 1, date(2026, 12, 6))
    assert soon == ReadyBy(deadline=date(2026, 12, 7), soon=True)
    assert str(soon) == "as soon as possible, by 7 Dec 2026"
    # too late: what arrives when instead
    late = ready_by(plan, need, 1, 2, date(2026, 12, 29))
    assert str(late) == "too late for 31 Dec 2026; ready by 4 Jan 2027 arrives 18 Jan 2027"
    assert late.iso == "2027-01-04"
    # no ask of the plan: the due week less the fastest path
    assert str(ready_by(plan, need, None, 2, date(2026, 12, 1))) == "14 Dec 2026"
    # no route at all
    assert str(ready_by(plan, need, None, None, date(2026, 12, 1))) == (
        "too late for 31 Dec 2026; no route reaches its region")


def test_whole_units_are_asked_for_whole(world):
    need = Need(item_type=ItemTypeFactory(name="Howitzer", indivisible=True),
                priority=Priority.HIGH)
    ask = asks.Ask(need, missing=13977.52, late=0.0, codes=["too_late"], ready=ReadyBy(),
                   whole=True)
    assert ask.quantity == 13978 and ask.how_many == "13,978"
    assert ask.why == "Offered, but ready too late."
    part = asks.Ask(need, missing=19.0000001, late=0.0, codes=[], ready=ReadyBy(), whole=True)
    assert part.how_many == "19" and part.why == "Not enough offered in time."


def test_the_plan_page_pages_through_every_need_and_finds_one(
        world, django_capture_on_commit_callbacks):
    unmet_need(world)
    plan = solved(world, django_capture_on_commit_callbacks, adopt=False)
    client = client_for(world.coordinator)
    url = reverse("planning:detail", args=[plan.pk])
    everything = set(Need.objects.filter(state__in=("validated", "open")).values_list(
        "pk", flat=True))
    assert len(everything) == 4
    seen = []
    for number in (1, 2, 3, 4):
        page = client.get(url, {"page_size": 1, "page": number}).content.decode()
        seen += re.findall(r'<tr data-need="(\d+)"', page)
        assert f"page {number} of 4" in page
    assert {int(pk) for pk in seen} == everything and len(seen) == 4
    found = client.get(url, {"q": "bridge"}).content.decode()
    assert re.findall(r'<tr data-need="(\d+)"', found) == [
        str(Need.objects.get(item_type__name="Bridge layer").pk)]
    assert "1 of 4 needs found" in found
    by_number = client.get(url, {"q": f"need {world.low.pk}"}).content.decode()
    assert re.findall(r'<tr data-need="(\d+)"', by_number) == [str(world.low.pk)]
    by_region = client.get(url, {"q": "north east"}).content.decode()
    assert len(re.findall(r'<tr data-need="', by_region)) == 1
    none = client.get(url, {"q": "no such thing"}).content.decode()
    assert "No need matches" in none and '<tr data-need="' not in none


def test_the_what_if_form_refuses_unknown_names_and_dates_outside_the_plan(
        world, django_capture_on_commit_callbacks):
    plan = solved(world, django_capture_on_commit_callbacks, adopt=False)
    client = client_for(world.coordinator)
    url = reverse("planning:what-if", args=[plan.pk])
    form = client.get(url).content.decode()
    assert '<option value="POL">Poland</option>' in form
    assert '<option value="rze">Rzeszow</option>' in form and 'type="date"' in form
    before = plan.week_start(1) - timedelta(days=1)
    after = plan.week_start(plan.horizon_weeks + 1)
    for data, field in (
        ({"withdraw_donor": "XXX"}, "withdraw_donor"),
        ({"close_hub": "nowhere", "close_from": plan.start_date, "close_to": plan.start_date},
         "close_hub"),
        ({"close_hub": "rze", "close_from": before, "close_to": plan.start_date}, "close_from"),
        ({"close_hub": "rze", "close_from": plan.start_date, "close_to": after}, "close_to"),
        ({"close_hub": "rze", "close_from": plan.start_date}, "close_to"),
        ({"add_item": f"I{world.shells.pk}", "add_quantity": 5, "add_origin": "DEU depot 1",
          "add_week": after}, "add_week"),
    ):
        reply = client.post(url, data)
        assert reply.status_code == 400, data
        page = reply.content.decode()
        assert f'id="id_{field}_error"' in page, field
        if "Pick a date" in page:
            assert "from " + plan.start_date.strftime("%-d %b %Y") in text_of(page)
    assert Plan.objects.count() == 1
    # a date inside the plan is its week
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(url, {"close_hub": "rze", "close_from": plan.week_start(3),
                                  "close_to": plan.week_start(4) + timedelta(days=6)})
    assert reply.status_code == 303
    what_if = Plan.objects.get(base=plan)
    assert what_if.changes == [{"kind": "close_hub", "hub": "rze", "from_week": 3, "to_week": 4}]


def _page_table(page: str) -> tuple[list[str], dict[str, list[str]]]:
    table = page.split('id="asks"')[1].split("</table>")[0]
    heads = [text_of(h).strip() for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)]
    rows = {}
    for need, row in re.findall(r'<tr data-need="(\d+)">(.*?)</tr>', table, flags=re.S):
        rows[need] = [" ".join(text_of(c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                        row, flags=re.S)]
    return heads, rows


def test_the_csv_carries_the_page_s_columns_and_a_donor_no_region_it_may_not_know(
        world, django_capture_on_commit_callbacks):
    hidden = unmet_need(world)
    hidden.release_all_donors = False  # the recipient's and the coordinators' only
    hidden.save()
    solved(world, django_capture_on_commit_callbacks)
    for user, sees_hidden in ((world.coordinator, True), (world.deu_rep, False)):
        client = client_for(user)
        page = client.get(reverse("planning:asks")).content.decode()
        heads, rows = _page_table(page)
        assert heads == ["Need", "Priority", "What", "How many", "Ready by", "Where", "Why"]
        got = b"".join(client.get(reverse("planning:asks-csv")).streaming_content).decode()
        block, lines = split_marking(list(csv.reader(io.StringIO(got.lstrip("\ufeff")))))
        assert block[0] == ["COALITION"] and block[1][1].startswith("Ask list of Plan")
        assert lines[0][:len(heads)] == heads
        assert lines[0][len(heads):] == ["Ready by (ISO date)", "Required by (ISO date)",
                                         "Units"]
        by_need = {line[0].removeprefix("Need "): line[:len(heads)] for line in lines[1:]}
        assert by_need == rows  # the same words in the same columns
        assert rows[str(world.low.pk)][5] == "West"  # where: the need's region, by name
        assert (str(hidden.pk) in rows) is sees_hidden
        printed = client.get(reverse("planning:asks-print")).content.decode()
        for text in (page, got, printed):
            assert ("North East" in text) is sees_hidden
