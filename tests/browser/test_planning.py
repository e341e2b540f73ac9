"""The clearing flow in a real browser: a coordinator runs a plan and watches the worker solve
it, runs a what-if in which a donor withdraws and compares it, adopts the plan; the recipient
sees its needs' coverage change.

The worker is the real database worker (``db_worker``), run by the test while the page watches:
on SQLite's in-memory test database a worker thread of its own would find the tables locked.
"""

import re

from playwright.sync_api import expect

from clearinghouse.planning.models import Plan

from ..planning.world import run_worker
from .conftest import assert_accessible

SOLVE_TIMEOUT = 60_000  # ms: the world is tiny, but the machine is shared


def wait_solved(page):
    """The page shows the plan queued and polls; the worker solves it; the page shows it."""
    expect(page.locator("#plan-status progress")).to_be_visible()
    run_worker()
    expect(page.locator("#plan-status [data-state='solved']")).to_be_visible(
        timeout=SOLVE_TIMEOUT)
    expect(page.get_by_role("heading", name="What this plan does")).to_be_visible()


def test_run_watch_compare_adopt_and_the_recipient_sees_it(server, world, as_user, shot):
    planner = as_user(world.planner)
    planner.goto(f"/needs/{world.low.pk}/")
    expect(planner.locator("main .tag.state")).to_have_text("Validated")
    expect(planner.locator("#planned")).to_have_count(0)

    page = as_user(world.coordinator)
    page.goto("/plans/")
    page.locator("main form").get_by_label("Name").fill("Contact group 14")
    page.get_by_role("button", name="Run a plan on today's snapshot").click()
    expect(page.get_by_role("heading", name=re.compile(r"Plan \d+: Contact group 14"))
           ).to_be_visible()
    plan = Plan.objects.get(name="Contact group 14")
    # The page watches the worker by itself (htmx polling) until the plan is solved.
    wait_solved(page)
    expect(page.locator("#plan-story")).to_contain_text("Weighted by priority")
    # the solver's figures behind a toggle
    expect(page.locator("#value-chart")).to_be_hidden()
    page.locator("#solver-figures summary").click()
    expect(page.locator("#value-chart .hbar")).to_have_count(3)
    expect(page.locator("#value-chart")).to_be_visible()
    low = page.locator(f"#plan-needs tr[data-need='{world.low.pk}'] td")
    expect(low.nth(1)).to_have_text("155 mm shell")
    expect(low.nth(5)).to_have_text("70")
    # every need findable by its item's name
    page.get_by_label("Find a need").fill("Demining")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#plan-needs tbody tr")).to_have_count(1)
    expect(page.locator("#plan-needs tbody tr td").nth(1)).to_have_text("Demining kit")
    assert_accessible(page, "plan-detail")
    shot(page, "plan")

    page.get_by_role("link", name="What if…").click()
    page.locator("main form").get_by_label("A donor withdraws all its pledges").select_option(
        label="Poland")
    page.get_by_role("button", name="Solve the what-if").click()
    wait_solved(page)
    page.get_by_role("link", name=f"Compare with plan {plan.pk}").click()
    expect(page.get_by_text("Poland withdraws all its pledges")).to_be_visible()
    row = page.locator(f"#compare-needs tr[data-need='{world.low.pk}'] td")
    expect(row.nth(2)).to_have_text("70")
    expect(row.nth(3)).to_have_text("20")
    assert_accessible(page, "plan-compare")
    shot(page, "compare")

    page.goto(f"/plans/{plan.pk}/")
    page.get_by_role("link", name="Adopt…").click()
    page.get_by_role("button", name=f"Yes, adopt plan {plan.pk}").click()
    expect(page.get_by_text(f"Plan {plan.pk} adopted")).to_be_visible()

    planner.reload()
    expect(planner.locator("main .tag.state")).to_have_text(re.compile("partly covered", re.I))
    expect(planner.locator("#planned-total")).to_have_text("70")
    expect(planner.locator("#planned")).to_contain_text("not shown")  # no movement data
    shot(planner, "recipient")
    planner.goto("/plans/asks/")
    expect(planner.locator(f"#asks tr[data-need='{world.low.pk}']")).to_contain_text("30")
    assert_accessible(planner, "ask-list")

    # the coordinator prints the ask list for the meeting: no navigation, the marking on it
    page.goto("/plans/asks/")
    page.get_by_role("link", name="Printable view").click()
    expect(page.get_by_role("heading", name="Ask list")).to_be_visible()
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator(".banner").first).to_be_visible()
    expect(page.locator(f"#asks tr[data-need='{world.low.pk}']")).to_contain_text("West")
    assert_accessible(page, "ask-print")
    shot(page, "ask-print")
