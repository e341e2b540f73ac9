"""Issue 16 through the pages only: the coordinator makes the shipments of the adopted plan,
the donor dispatches one, the hub's officer marks it at the hub, the receiving unit takes it
over and confirms a short count; the donor and the coordinator see the discrepancy, the need's
coverage drops, and a plan run from the current state brings a replacement."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect

from clearinghouse.needs.models import Need
from clearinghouse.planning.models import Allocation, Plan, PlanState
from clearinghouse.planning.queries import coverage_for
from clearinghouse.shipments.models import Discrepancy, Shipment, ShipmentState

from ..pages import adopted  # noqa: F401  (a fixture)
from ..planning.world import world  # noqa: F401  (a fixture)
from .conftest import assert_accessible
from .test_planning import wait_solved
from .test_stories import both_widths, in_words

SHORT = 10


def take(page, button: str, **fields: str) -> None:
    """Open the step's form on the shipment's page, fill it and send it."""
    page.locator("#actions summary", has_text=button).click()
    form = page.locator("#actions details[open] form")
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=button).click()


def test_a_short_receipt_reaches_the_sender_and_a_re_plan_replaces_it(
        world, adopted, as_user, shot):  # noqa: F811
    coordinator = as_user(world.coordinator)
    coordinator.goto("/shipments/")
    coordinator.get_by_role("button", name="Make shipments from the adopted plan").click()
    shipment = Shipment.objects.filter(lines__pledge=world.deu, lines__need=world.critical,
                                       receiving_unit=world.east_unit.organisation).first()
    assert shipment is not None
    url = f"/shipments/{shipment.pk}/"
    line = shipment.lines.get(need=world.critical)
    need = Need.objects.get(pk=world.critical.pk)
    covered = coverage_for([need], world.coordinator)[need.pk].covered

    donor = as_user(world.deu_rep)
    donor.goto(url)
    take(donor, "Record the departure")
    expect(donor.locator("main")).to_contain_text("Departed")

    hub = as_user(world.hub_operator)
    hub.goto(url)
    expect(hub.locator("#actions summary", has_text="Take over from the hub")).to_have_count(0)
    take(hub, "Record arrival at the hub")
    expect(hub.locator("main")).to_contain_text("At the hub")
    in_words(hub, "rze", "east")

    unit = as_user(world.east_unit)
    unit.goto(url)
    take(unit, "Take over from the hub")
    shipped = Decimal(line.quantity)
    name = f"line {line.pk}: {line.item_type.name} for need {line.need_id}"
    take(unit, "Record the count", **{f"Accepted, {name}": str(shipped - SHORT),
                                      f"Short, {name}": str(SHORT)})
    # no reason given: refused on the line's field, nothing recorded
    expect(unit.locator("main")).to_contain_text("Say why the count differs")
    assert Shipment.objects.get(pk=shipment.pk).state == ShipmentState.HANDED_OVER
    form = unit.locator("#actions details[open] form")
    form.get_by_label(f"Why the count differs, {name}").select_option(label="lost in transit")
    form.get_by_role("button", name="Record the count").click()
    expect(unit.locator("main")).to_contain_text("Received")
    take(unit, "Verify the count")
    expect(unit.locator("main")).to_contain_text("Verified")
    both_widths(unit, shot, "verified")
    assert_accessible(unit, "shipment-verified")
    case = Discrepancy.objects.get(line=line)
    assert (case.kind, case.quantity, case.state) == ("short", SHORT, "open")

    for reader in (donor, coordinator):
        reader.goto("/shipments/discrepancies/")
        expect(reader.locator("main")).to_contain_text(f"Shipment {shipment.pk}")
        expect(reader.locator("main")).to_contain_text("lost in transit")
    both_widths(donor, shot, "discrepancies")
    other = as_user(world.pol_rep)
    other.goto("/shipments/discrepancies/")
    expect(other.locator("main")).not_to_contain_text(f"Shipment {shipment.pk}")
    assert other.goto(url).status == 404

    # The need's coverage drops by what was lost; its page says so to its planner.
    assert coverage_for([need], world.coordinator)[need.pk].covered == covered - SHORT
    planner = as_user(world.planner)
    planner.goto(f"/needs/{need.pk}/")
    expect(planner.locator("#delivered")).to_contain_text("Lost on the way")
    expect(planner.locator("main")).not_to_contain_text(world.hub.name)  # no movement

    # A plan from the current state asks the lost units again, and gets them.
    coordinator.goto("/shipments/affected/")
    expect(coordinator.locator("#affected")).to_contain_text(f"Need {need.pk}")
    coordinator.get_by_role("button", name="Run a plan from the current state").click()
    wait_solved(coordinator)
    plan = Plan.objects.filter(state=PlanState.SOLVED).latest("pk")
    replacement = sum(a.quantity for a in Allocation.objects.filter(
        plan=plan, need=need, fixed=False, on_time=True))
    assert replacement >= SHORT
    both_widths(coordinator, shot, "re-plan")
