"""The worker's lease on a plan (issue 14, finding 7: a plan stayed running forever when its
worker was killed, and could not be cancelled): a plan whose worker stopped beating is put back
in the queue once and then failed plainly; a running plan keeps its lease; a coordinator
cancels a queued or running plan; only the worker holding a plan stores it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clearinghouse.core.errors import IllegalTransition
from clearinghouse.planning import services, tasks
from clearinghouse.planning.models import Allocation, Plan, PlanState

from .world import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(world, django_capture_on_commit_callbacks) -> Plan:
    with django_capture_on_commit_callbacks(execute=False):  # not enqueued: the test runs it
        return services.run_plan(world.coordinator)


def killed(plan: Plan, attempts: int, silent_for: timedelta) -> Plan:
    """The plan as a worker killed mid-solve leaves it: running, its last beat long ago."""
    Plan.objects.filter(pk=plan.pk).update(state=PlanState.RUNNING, attempts=attempts,
                                           heartbeat_at=timezone.now() - silent_for)
    plan.refresh_from_db()
    return plan


def test_a_plan_whose_worker_died_is_solved_by_another(queued,
                                                       django_capture_on_commit_callbacks):
    plan = killed(queued, 1, tasks.LEASE + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_stale_plans() == 1
    plan.refresh_from_db()
    assert plan.state == PlanState.QUEUED and plan.phase.startswith("queued again")
    run_worker()
    plan.refresh_from_db()
    assert plan.state == PlanState.SOLVED and plan.attempts == 2
    assert Allocation.objects.filter(plan=plan).exists()


def test_a_plan_whose_workers_died_twice_fails_plainly(queued):
    plan = killed(queued, tasks.MAX_ATTEMPTS, tasks.LEASE + timedelta(seconds=1))
    assert tasks.recover_stale_plans() == 1
    plan.refresh_from_db()
    assert plan.state == PlanState.FAILED and plan.error == tasks.FAILED_WORKER
    assert "Traceback" not in plan.error


def test_a_plan_within_its_lease_is_left_to_its_worker(queued):
    plan = killed(queued, 1, tasks.LEASE - timedelta(seconds=5))
    assert tasks.recover_stale_plans() == 0
    plan.refresh_from_db()
    assert plan.state == PlanState.RUNNING


def test_a_solving_worker_renews_its_lease(queued, monkeypatch):
    monkeypatch.setattr(tasks, "HEARTBEAT", timedelta(seconds=0.05))
    beats = []
    solve = tasks.solve

    def slow(*args, **kwargs):
        first = Plan.objects.get(pk=queued.pk).heartbeat_at
        time.sleep(0.5)
        beats.append((first, Plan.objects.get(pk=queued.pk).heartbeat_at))
        return solve(*args, **kwargs)

    monkeypatch.setattr(tasks, "solve", slow)
    tasks.solve_plan.call(queued.pk)
    (first, later), = beats
    assert later > first
    assert Plan.objects.get(pk=queued.pk).state == PlanState.SOLVED


def test_a_heartbeat_that_fails_once_beats_again(queued, monkeypatch):
    """A beat refused by the database ("database table is locked", seen on SQLite under load)
    ended the heartbeat thread: the lease would lapse and another worker take the plan."""
    from django.db import DatabaseError

    monkeypatch.setattr(tasks, "HEARTBEAT", timedelta(seconds=0.05))
    plan = killed(queued, 1, timedelta(seconds=30))
    real, calls = tasks._beat, []

    def locked_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise DatabaseError("database table is locked")
        return real(*args)

    monkeypatch.setattr(tasks, "_beat", locked_once)
    beating = tasks.Heartbeat(plan.pk, 1)
    beating.start()
    deadline = time.monotonic() + 10
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    beating.stop()
    assert len(calls) >= 3
    assert Plan.objects.get(pk=plan.pk).heartbeat_at > plan.heartbeat_at


def test_a_coordinator_cancels_a_queued_plan_and_the_worker_skips_it(world, queued, api):
    assert api.as_(world.deu_rep).post(f"/api/plans/{queued.pk}/cancel/").status_code == 404
    reply = api.as_(world.coordinator).post(f"/api/plans/{queued.pk}/cancel/",
                                            {"version": queued.version}, format="json")
    assert reply.status_code == 200 and reply.json()["state"] == PlanState.FAILED
    assert "Cancelled by" in reply.json()["error"]
    assert tasks.solve_plan.call(queued.pk).endswith("nothing to do")
    again = api.as_(world.coordinator).post(f"/api/plans/{queued.pk}/cancel/")
    assert again.status_code == 409


def test_a_plan_cancelled_while_it_runs_stores_nothing(world, queued, monkeypatch):
    solve = tasks.solve

    def cancelled_meanwhile(*args, **kwargs):
        services.cancel_plan(world.coordinator, Plan.objects.get(pk=queued.pk), None)
        return solve(*args, **kwargs)

    monkeypatch.setattr(tasks, "solve", cancelled_meanwhile)
    tasks.solve_plan.call(queued.pk)
    plan = Plan.objects.get(pk=queued.pk)
    assert plan.state == PlanState.FAILED and "Cancelled by" in plan.error
    assert not Allocation.objects.filter(plan=plan).exists()


def test_only_coordinators_cancel(world, queued):
    with pytest.raises(PermissionDenied):
        services.cancel_plan(world.planner, queued, None)
    solved = killed(queued, 1, timedelta(0))
    Plan.objects.filter(pk=solved.pk).update(state=PlanState.SOLVED)
    with pytest.raises(IllegalTransition):
        services.cancel_plan(world.coordinator, Plan.objects.get(pk=solved.pk), None)


def test_two_workers_never_solve_the_same_plan(queued, monkeypatch):
    """The second worker finds the plan claimed (the claim is one conditional UPDATE)."""
    solve = tasks.solve
    seconds = []

    def and_a_second_worker(*args, **kwargs):
        seconds.append(tasks.solve_plan.call(queued.pk))
        return solve(*args, **kwargs)

    monkeypatch.setattr(tasks, "solve", and_a_second_worker)
    tasks.solve_plan.call(queued.pk)
    assert seconds == [f"plan {queued.pk} is running; nothing to do"]
    plan = Plan.objects.get(pk=queued.pk)
    assert plan.state == PlanState.SOLVED and plan.attempts == 1


def test_the_plan_page_cancels_for_coordinators_only(world, queued):
    from tests.conftest import client_for

    page = client_for(world.coordinator).get(f"/plans/{queued.pk}/").content.decode()
    assert "Cancel this plan" in page
    assert client_for(world.deu_rep).post(f"/plans/{queued.pk}/cancel/").status_code == 404
    reply = client_for(world.coordinator).post(f"/plans/{queued.pk}/cancel/",
                                               {"version": queued.version})
    assert reply.status_code == 303
    plan = Plan.objects.get(pk=queued.pk)
    assert plan.state == PlanState.FAILED and "Cancelled by" in plan.error
    after = client_for(world.coordinator).get(f"/plans/{queued.pk}/").content.decode()
    assert "Cancelled." in after and "Cancel this plan" not in after
