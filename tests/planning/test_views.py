"""Plan pages: run, watch, inspect, what-if, compare, adopt, the ask list; who sees what."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from clearinghouse.core.exports import MARKING_ROWS
from clearinghouse.needs.models import Need, NeedState
from clearinghouse.planning.models import Plan, PlanState
from tests.conftest import client_for
from tests.factories import ItemTypeFactory, NeedFactory
from tests.planning.world import run_worker

# The worker closes its connection between tasks (as a worker process should): on PostgreSQL
# that ends a test transaction, so these tests commit and are flushed after.
pytestmark = pytest.mark.django_db(transaction=True)


def run_through_page(world, django_capture_on_commit_callbacks) -> Plan:
    with django_capture_on_commit_callbacks(execute=True):
        reply = client_for(world.coordinator).post(
            reverse("planning:list"), {"name": "Week plan", "horizon_weeks": 52,
                                       "time_limit_s": 30})
    assert reply.status_code == 303
    plan = Plan.objects.get()
    assert reply["Location"] == reverse("planning:detail", args=[plan.pk])
    return plan


def test_run_watch_and_inspect(world, django_capture_on_commit_callbacks):
    plan = run_through_page(world, django_capture_on_commit_callbacks)
    coordinator = client_for(world.coordinator)
    status = coordinator.get(reverse("planning:status", args=[plan.pk]))
    assert b'data-state="queued"' in status.content and b"hx-trigger" in status.content
    run_worker()
    status = coordinator.get(reverse("planning:status", args=[plan.pk]), HTTP_HX_REQUEST="true")
    assert b'data-state="solved"' in status.content and status["HX-Refresh"] == "true"
    page = coordinator.get(reverse("planning:detail", args=[plan.pk])).content.decode()
    assert "What this plan does" in page and 'id="by-priority"' in page
    assert 'id="by-area"' in page
    assert f'data-need="{world.low.pk}"' in page and "First-come plan" in page
    assert "Adopt…" in page


def test_bad_run_input_names_the_field_and_queues_nothing(world):
    reply = client_for(world.coordinator).post(reverse("planning:list"),
                                               {"horizon_weeks": 0, "time_limit_s": 30})
    assert reply.status_code == 400
    assert b'id="id_horizon_weeks_error"' in reply.content
    assert not Plan.objects.exists()


def test_plans_are_absent_for_those_without_need_to_know(world, django_capture_on_commit_callbacks):
    plan = run_through_page(world, django_capture_on_commit_callbacks)
    run_worker()
    for user in (world.planner, world.deu_rep, world.hub_operator):
        client = client_for(user)
        assert client.get(reverse("planning:detail", args=[plan.pk])).status_code == 404
        assert client.get(reverse("planning:status", args=[plan.pk])).status_code == 404
        assert client.get(reverse("planning:list")).content.count(b"Plan 1:") == 0
        assert client.post(reverse("planning:list"), {"horizon_weeks": 52,
                                                      "time_limit_s": 5}).status_code == 403
    assert Plan.objects.count() == 1


def test_what_if_compare_and_adopt(world, django_capture_on_commit_callbacks):
    plan = run_through_page(world, django_capture_on_commit_callbacks)
    run_worker()
    coordinator = client_for(world.coordinator)
    url = reverse("planning:what-if", args=[plan.pk])
    later, sooner = plan.week_start(9).isoformat(), plan.week_start(3).isoformat()
    bad = coordinator.post(url, {"close_hub": "rze", "close_from": later, "close_to": sooner})
    assert bad.status_code == 400 and b'id="id_close_to_error"' in bad.content
    with django_capture_on_commit_callbacks(execute=True):
        reply = coordinator.post(url, {"withdraw_donor": "POL"})
    assert reply.status_code == 303
    run_worker()
    what_if = Plan.objects.get(base=plan)
    page = coordinator.get(reverse("planning:compare", args=[plan.pk, what_if.pk])).content
    assert b"Poland withdraws all its pledges" in page
    assert f'data-need="{world.low.pk}"'.encode() in page
    assert f'data-need="{world.critical.pk}"'.encode() not in page  # unchanged: not listed

    stale = coordinator.post(reverse("planning:adopt", args=[plan.pk]),
                             {"version": plan.version}, follow=True)  # read before the solve
    assert b"Not adopted: the plan changed since you opened it" in stale.content
    plan.refresh_from_db()
    reply = coordinator.post(reverse("planning:adopt", args=[plan.pk]), {"version": plan.version})
    assert reply.status_code == 303
    plan.refresh_from_db()
    assert plan.state == PlanState.ADOPTED
    assert Need.objects.get(pk=world.critical.pk).state == NeedState.COVERED


def test_need_page_shows_the_plan_with_movement_only_to_need_to_know(
        world, django_capture_on_commit_callbacks):
    from clearinghouse.planning import services

    plan = run_through_page(world, django_capture_on_commit_callbacks)
    run_worker()
    plan.refresh_from_db()
    services.adopt_plan(world.coordinator, plan, plan.version)
    url = reverse("needs:detail", args=[world.critical.pk])
    planner = client_for(world.planner).get(url).content.decode()
    assert "In the adopted plan" in planner and "not shown" in planner
    assert "Rzeszow" not in planner
    unit = client_for(world.east_unit).get(url)  # the receiving unit in the need's region
    assert unit.status_code == 200 and "Rzeszow" in unit.content.decode()
    coordinator = client_for(world.coordinator).get(url).content.decode()
    assert "Rzeszow" in coordinator and "not shown" not in coordinator


def test_ask_list_is_paged_and_totals_count_every_page(world,
                                                     django_capture_on_commit_callbacks):
    from clearinghouse.planning import services

    # a second gap: a need nobody pledged for
    NeedFactory(owner=world.critical.owner, item_type=ItemTypeFactory(name="Bridge layer"),
                quantity=Decimal("2"), region=world.critical.region,
                required_by=world.critical.required_by, state=NeedState.VALIDATED)
    plan = run_through_page(world, django_capture_on_commit_callbacks)
    run_worker()
    plan.refresh_from_db()
    services.adopt_plan(world.coordinator, plan, plan.version)
    client = client_for(world.coordinator)
    pages = [client.get(reverse("planning:asks") + f"?page_size=1&page={n}").content.decode()
             for n in (1, 2)]
    shown = [re.findall(r'data-need="(\d+)"', page) for page in pages]
    assert [len(s) for s in shown] == [1, 1] and shown[0] != shown[1]
    for page in pages:
        assert "(2 needs)" in page and "Page " in page and " of 2" in page
        assert "Bridge layer" in page.split('id="asks-by-item"')[1]  # totals: every page's
    everything = client.get(reverse("planning:asks")).content.decode()
    assert len(re.findall(r'data-need="', everything)) == 2 and " of 2" not in everything


def test_ask_list_page_and_csv(world, django_capture_on_commit_callbacks):
    from clearinghouse.planning import services

    plan = run_through_page(world, django_capture_on_commit_callbacks)
    run_worker()
    plan.refresh_from_db()
    services.adopt_plan(world.coordinator, plan, plan.version)
    donor = client_for(world.deu_rep)
    page = donor.get(reverse("planning:asks")).content.decode()
    assert f'data-need="{world.low.pk}"' in page
    # the hub's code is never shown to a donor (as a word: a CSRF token may hold "rze")
    assert not re.search(r"\brze\b", page.lower())
    coordinator = client_for(world.coordinator).get(reverse("planning:asks")).content.decode()
    assert f'data-need="{world.low.pk}"' in coordinator
    csv = b"".join(donor.get(reverse("planning:asks-csv")).streaming_content).decode()
    lines = csv.strip().splitlines()[MARKING_ROWS:]
    assert lines[0].startswith("Need,Priority,What,How many,Ready by,Where")
    assert any(line.startswith(f"Need {world.low.pk},low,155 mm shell,30,") for line in lines[1:])
    # Someone who may not see plans cannot pick one.
    assert donor.get(reverse("planning:asks") + f"?plan={plan.pk}").status_code == 404
