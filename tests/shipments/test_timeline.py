"""The timeline (Gantt) of the adopted plan's shipments, by need or by hub, with today's line
and late ones marked, read a page at a time (docs/shipments.md)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clearinghouse.shipments import services, timeline
from clearinghouse.shipments.models import Shipment
from tests.conftest import client_for
from tests.test_plain_words import ISO_DATE, TRAILING_ZERO, said

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(world, adopted):
    return services.make_shipments(world.coordinator)


def test_rows_by_need_are_one_per_shipment_and_item_under_item_and_region(world, made):
    drawn = timeline.timeline(world.coordinator, "need")
    expected = {(s.pk, line.item_type.name, s.region.name)
                for s in made for line in s.lines.select_related("item_type")}
    assert {(b.pk, *b.group.split(", ")) for b in drawn["bars"]} == expected
    groups = [b.group for b in drawn["bars"]]
    assert groups == sorted(groups)  # grouped: each group's rows together
    assert sum(b.heading for b in drawn["bars"]) == len(set(groups))
    first = drawn["bars"][0]
    assert first.units == sum(line.quantity for s in made if s.pk == first.pk
                              for line in s.lines.filter(item_type__name=first.group
                                                         .split(", ")[0]))


def test_rows_by_hub_are_one_per_shipment_from_ready_to_arrival(world, made):
    drawn = timeline.timeline(world.coordinator, "hub")
    assert sorted(b.pk for b in drawn["bars"]) == sorted(s.pk for s in made)
    assert {b.group for b in drawn["bars"]} == {world.hub.name}
    s = made[0]
    bar = next(b for b in drawn["bars"] if b.pk == s.pk)
    assert (bar.starts_on, bar.ends_on) == (s.expected_ready_on, s.expected_arrival_on)
    first = drawn["first"]
    assert bar.x == timeline.LABEL_WIDTH + (max(s.expected_ready_on, first) - first).days \
        * timeline.DAY_WIDTH
    # Departed: the bar starts the day it left.
    Shipment.objects.filter(pk=s.pk).update(state="departed",
                                            departed_on=s.expected_ready_on - timedelta(days=2))
    bar = next(b for b in timeline.timeline(world.coordinator, "hub")["bars"] if b.pk == s.pk)
    assert bar.starts_on == s.expected_ready_on - timedelta(days=2)


def test_today_s_line_and_late_marks(world, made):
    late, on_time = made[0], made[-1]
    Shipment.objects.filter(pk=late.pk).update(
        expected_arrival_on=late.planned_arrival_on + timedelta(days=9))
    drawn = timeline.timeline(world.coordinator, "hub")
    today = timezone.localdate()
    assert drawn["today_x"] == (timeline.LABEL_WIDTH + (today - drawn["first"]).days
                                * timeline.DAY_WIDTH + timeline.DAY_WIDTH // 2)
    bars = {b.pk: b for b in drawn["bars"]}
    assert bars[late.pk].late and not bars[on_time.pk].late
    page = client_for(world.coordinator).get("/shipments/timeline/?by=hub").content.decode()
    assert f'id="gantt-today" x1="{drawn["today_x"]}"' in page
    assert page.count('class="gantt-bar late"') == drawn["late_count"] == 1
    row = re.search(rf"Shipment {late.pk} to [^<]*</a></th>.*?</tr>", page, re.S).group(0)
    assert row.endswith("<td>late</td></tr>")
    # Not arrived by its expected day: late too.
    Shipment.objects.filter(pk=on_time.pk).update(
        expected_arrival_on=today - timedelta(days=1), planned_arrival_on=today
        - timedelta(days=1), expected_ready_on=today - timedelta(days=20))
    bars = {b.pk: b for b in timeline.timeline(world.coordinator, "hub")["bars"]}
    assert bars[on_time.pk].late


def test_the_page_speaks_words_and_fits_a_phone_in_a_scrolling_box(world, made):
    for by in ("need", "hub"):
        page = client_for(world.hub_operator).get(f"/shipments/timeline/?by={by}")
        assert page.status_code == 200
        text = page.content.decode()
        assert '<div class="scroll">\n<svg id="gantt"' in text
        assert "<details" in text and "<caption>" in text  # the same rows as a table
        assert not ISO_DATE.search(said(text)) and not TRAILING_ZERO.search(said(text))
        assert "<script" not in text.split("</header>", 1)[1]


def test_a_donor_sees_only_its_own_shipments_on_the_timeline(world, made):
    mine = {s.pk for s in made if s.owner_id == world.deu.owner_id}
    theirs = {s.pk for s in made} - mine
    assert mine and theirs
    drawn = timeline.timeline(world.deu_rep, "hub")
    assert {b.pk for b in drawn["bars"]} == mine
    page = client_for(world.deu_rep).get("/shipments/timeline/").content.decode()
    for pk in theirs:
        assert f"Shipment {pk} " not in page
    assert timeline.timeline(world.planner, "need")["bars"] == []


def test_the_timeline_is_read_a_page_at_a_time_in_a_fixed_number_of_queries(
        world, made, monkeypatch):
    monkeypatch.setattr(timeline, "PAGE_SIZE", 1)
    client = client_for(world.coordinator)
    client.get("/shipments/timeline/?by=need")  # warm the session and caches
    with CaptureQueriesContext(connection) as one_page:
        first = client.get("/shipments/timeline/?by=need")
    assert len(first.context["bars"]) == 1 and first.context["page_obj"].has_next()
    second = client.get("/shipments/timeline/?by=need&page=2")
    assert second.context["bars"][0].pk != first.context["bars"][0].pk or \
        second.context["bars"][0].group != first.context["bars"][0].group
    monkeypatch.setattr(timeline, "PAGE_SIZE", 60)
    with CaptureQueriesContext(connection) as all_rows:
        client.get("/shipments/timeline/?by=need")
    assert len(all_rows) == len(one_page)  # no query per row
