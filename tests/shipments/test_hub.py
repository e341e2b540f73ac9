"""The hub's job (docs/shipments.md, "The hub's job and the timeline"): its board by day, its
load against capacity, its closures and the plans they make stale, the day's manifest; each
as the reader may see it."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clearinghouse.core import words
from clearinghouse.logistics import services as logistics
from clearinghouse.logistics.models import HubClosure
from clearinghouse.security.roles import Classification, Role
from clearinghouse.shipments import hub as board
from clearinghouse.shipments import services
from clearinghouse.shipments.models import Shipment
from tests.conftest import client_for
from tests.factories import HubFactory, OrgOfKindFactory, UserFactory
from tests.test_plain_words import ISO_DATE, TRAILING_ZERO, said

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def place(shipment: Shipment, on) -> Shipment:
    """Move ``shipment``'s expected hub day (and the rest of its expected days) to ``on``."""
    Shipment.objects.filter(pk=shipment.pk).update(
        expected_ready_on=on - timedelta(days=7), expected_hub_on=on,
        expected_arrival_on=on + timedelta(days=7), planned_hub_on=on,
        planned_arrival_on=on + timedelta(days=7))
    return Shipment.objects.get(pk=shipment.pk)


@pytest.fixture
def shipped(world, adopted):
    """The adopted plan's shipments, the hub released to every donor (as the demo's are): the
    German one (carrying shells) handled the day after tomorrow, the anonymous Polish one
    tomorrow."""
    world.hub.release_all_donors = True
    world.hub.save()
    made = services.make_shipments(world.coordinator)
    deu = next(s for s in made if s.owner_id == world.deu.owner_id
               and s.lines.filter(item_type=world.shells).exists())
    pol = next(s for s in made if s.owner_id == world.pol.owner_id)
    return {"deu": place(deu, today() + timedelta(days=2)),
            "pol": place(pol, today() + timedelta(days=1)), "all": made}


def units(shipment: Shipment, item) -> Decimal:
    return sum((line.quantity for line in shipment.lines.filter(item_type=item)), Decimal(0))


def test_pallets_are_the_item_s_pallets_per_unit_times_the_units_rounded_up():
    assert board.pallets(Decimal("0.1"), Decimal("12.5")) == 2
    assert board.pallets(Decimal("0.1"), Decimal("10")) == 1
    assert board.pallets(Decimal("0.01"), Decimal("1")) == 1
    assert board.pallets(Decimal("0"), Decimal("40")) == 0


def test_the_board_shows_each_day_what_comes_in_and_goes_out(world, shipped):
    deu = shipped["deu"]
    days = {d.on: d for d in board.board(world.hub_operator, world.hub)}
    day = days[today() + timedelta(days=2)]
    assert deu.pk in [m.pk for m in day.inbound]
    assert deu.pk in [m.pk for m in day.outbound]  # it leaves on its expected hub day
    move = next(m for m in day.inbound if m.pk == deu.pk)
    line = next(x for x in move.lines if x.item == world.shells.name)
    assert line.quantity == units(deu, world.shells)
    assert line.pallets == board.pallets(world.shells.pallets_per_unit, line.quantity)
    assert move.origin == "DEU depot 1" and move.donor == "Germany"
    assert move.region == world.critical.region.name
    # Once at the hub it only leaves; overdue, it is shown today, late.
    Shipment.objects.filter(pk=deu.pk).update(state="at_hub", expected_hub_on=today()
                                              - timedelta(days=3))
    days = {d.on: d for d in board.board(world.hub_operator, world.hub)}
    assert deu.pk not in [m.pk for m in days[today()].inbound]
    out = next(m for m in days[today()].outbound if m.pk == deu.pk)
    assert out.late


def test_the_hub_page_lists_the_days_in_words_and_weeks_are_chosen(world, shipped):
    deu = shipped["deu"]
    page = client_for(world.hub_operator).get(f"/shipments/hubs/{world.hub.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Shipment {deu.pk}" in text and "DEU depot 1" in text
    assert f"Coming in on {words.day(deu.expected_hub_on)}" in text
    assert not ISO_DATE.search(said(text)) and not TRAILING_ZERO.search(said(text))
    one = client_for(world.hub_operator).get(f"/shipments/hubs/{world.hub.pk}/?weeks=1")
    assert one.context["weeks"] == 1 and len(one.context["load"]) == 1
    bad = client_for(world.hub_operator).get(f"/shipments/hubs/{world.hub.pk}/?weeks=99")
    assert bad.status_code == 200 and bad.context["weeks"] == board.DEFAULT_WEEKS
    assert "weeks" in bad.context["weeks_form"].errors


def test_the_load_per_week_is_held_against_capacity_with_closed_days(world, shipped):
    deu, pol = shipped["deu"], shipped["pol"]
    this_week = board.monday(today())
    for s in (deu, pol):
        place(s, this_week + timedelta(days=2))
    for s in shipped["all"]:
        if s.pk not in (deu.pk, pol.pk):
            place(s, this_week + timedelta(weeks=5))  # out of the window
    expected = sum(board.pallets(line.item_type.pallets_per_unit, line.quantity)
                   for s in (deu, pol) for line in s.lines.select_related("item_type"))
    logistics.add_closure(world.coordinator, world.hub, this_week + timedelta(weeks=1, days=1),
                          this_week + timedelta(weeks=1, days=2), "Runway works")
    world.hub.weekly_capacity_pallets = max(expected - 1, 1)
    world.hub.save()
    weeks = board.load(world.coordinator, world.hub)
    assert [w.starts_on for w in weeks] == [this_week + timedelta(weeks=n) for n in range(3)]
    assert weeks[0].pallets == expected and weeks[0].over
    assert dict(weeks[0].bar)["late"] > 0  # the part over capacity is drawn
    assert weeks[1].pallets == 0 and not weeks[1].over and weeks[1].closed_days == 2
    # A donor's load is its own shipments' only (aggregates over what it sees).
    own = board.load(world.deu_rep, world.hub)[0].pallets
    assert own == sum(board.pallets(line.item_type.pallets_per_unit, line.quantity)
                      for line in deu.lines.select_related("item_type"))
    page = client_for(world.coordinator).get(f"/shipments/hubs/{world.hub.pk}/").content.decode()
    assert "over capacity" in page and "2 days closed" in page
    assert re.search(r'<span class="covered" style="width: [\d.]+%"></span>', page)


def closure_post(user, hub, starts, ends, reason="Strike"):
    return client_for(user).post(f"/shipments/hubs/{hub.pk}/", {
        "starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "reason": reason})


def test_the_hub_s_officer_and_a_coordinator_close_the_hub_and_others_may_not(world, shipped):
    start = today() + timedelta(days=10)
    reply = closure_post(world.hub_operator, world.hub, start, start + timedelta(days=1))
    assert reply.status_code == 302
    mine = HubClosure.objects.get(hub=world.hub, reason="Strike")
    assert mine.owner_id == world.hub.owner_id and mine.ends_on == start + timedelta(days=1)
    reply = closure_post(world.coordinator, world.hub, start, start, "Drill")
    assert reply.status_code == 302 and HubClosure.objects.filter(reason="Drill").exists()
    auditor = UserFactory(organisation=OrgOfKindFactory(kind="oversight"), roles=[Role.AUDITOR],
                          clearance=Classification.CONFIDENTIAL)
    for other in (world.deu_rep, auditor, world.east_unit):
        assert closure_post(other, world.hub, start, start, "No").status_code in (403, 404)
    assert closure_post(world.deu_rep, world.hub, start, start, "No").status_code == 403
    assert closure_post(auditor, world.hub, start, start, "No").status_code == 403
    assert not HubClosure.objects.filter(reason="No").exists()
    page = client_for(world.deu_rep).get(f"/shipments/hubs/{world.hub.pk}/").content.decode()
    assert "Add the closure" not in page


def test_a_closure_ending_before_it_starts_is_refused_naming_the_field(world, shipped):
    start = today() + timedelta(days=10)
    reply = closure_post(world.hub_operator, world.hub, start, start - timedelta(days=1))
    assert reply.status_code == 400
    assert reply.context["closure_form"].errors["ends_on"] == [
        "A closure ends on or after the day it starts."]
    assert "Last day closed: A closure ends on or after" in reply.content.decode()
    assert not HubClosure.objects.exists()
    with pytest.raises(Exception) as refused:
        logistics.add_closure(world.hub_operator, world.hub, start, start - timedelta(days=1))
    assert "ends_on" in refused.value.message_dict


def test_a_closure_lists_the_plans_it_makes_stale_and_the_shipments_it_stops(
        world, adopted, shipped):
    deu = shipped["deu"]
    on = deu.expected_hub_on
    closure = logistics.add_closure(world.hub_operator, world.hub, on, on + timedelta(days=1),
                                    "Threat")
    rows = board.closures_with_effects(world.coordinator, world.hub)
    row = next(r for r in rows if r.closure.pk == closure.pk)
    assert adopted.pk in [p["pk"] for p in row.stale_plans]
    assert next(p for p in row.stale_plans if p["pk"] == adopted.pk)["adopted"]
    assert deu.pk in [m.pk for m in row.expected]
    page = client_for(world.coordinator).get(f"/shipments/hubs/{world.hub.pk}/").content.decode()
    assert f"plan {adopted.pk}" in page and "(the adopted plan)" in page
    # A plan whose snapshot read the closure as it is is not stale by it.
    adopted.fingerprint = {**adopted.fingerprint, "closures": {str(closure.pk): closure.version}}
    adopted.save(update_fields=["fingerprint"])
    row = board.closures_with_effects(world.coordinator, world.hub)[0]
    assert adopted.pk not in [p["pk"] for p in row.stale_plans]


def manifest_rows(reply) -> tuple[list[list[str]], list[dict]]:
    text = b"".join(reply.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    blank = rows.index([])
    return rows[:blank], [dict(zip(rows[blank + 1], r, strict=True)) for r in rows[blank + 2:]]


def test_the_day_s_manifest_is_marked_and_holds_only_what_the_reader_sees(world, shipped):
    deu, pol = shipped["deu"], shipped["pol"]
    place(pol, deu.expected_hub_on)
    Shipment.objects.filter(pk=deu.pk).update(classification=Classification.CONFIDENTIAL)
    on = deu.expected_hub_on.isoformat()
    csv_url = f"/shipments/hubs/{world.hub.pk}/manifest/{on}.csv"
    marking, rows = manifest_rows(client_for(world.coordinator).get(csv_url))
    assert marking[0] == ["CONFIDENTIAL"] and marking[1][1].startswith("Manifest of Rzeszow")
    assert {deu.pk, pol.pk} <= {int(r["Shipment"]) for r in rows}
    assert all(r["Movement"] == "arrives and leaves" for r in rows)
    deu_shells = next(r for r in rows if int(r["Shipment"]) == deu.pk
                      and r["Item"] == world.shells.name)
    assert Decimal(deu_shells["Quantity"]) == units(deu, world.shells)
    # Above the German donor's clearance, its own shipment is not in its manifest.
    _, rows = manifest_rows(client_for(world.deu_rep).get(csv_url))
    assert deu.pk not in {int(r["Shipment"]) for r in rows}
    # Within it, it sees its own shipment only; the Polish one never.
    Shipment.objects.filter(pk=deu.pk).update(classification=Classification.RESTRICTED)
    marking, rows = manifest_rows(client_for(world.deu_rep).get(csv_url))
    assert {int(r["Shipment"]) for r in rows} == {deu.pk}
    assert "POL depot 1" not in str(rows)
    # The hub's officer sees both, the anonymous donor and its depot hidden.
    marking, rows = manifest_rows(client_for(world.hub_operator).get(csv_url))
    assert marking[0] == ["RESTRICTED"]
    polish = [r for r in rows if int(r["Shipment"]) == pol.pk]
    assert polish and all(r["Donor"] == "anonymous" and r["Origin"] == "" for r in polish)
    printed = client_for(world.hub_operator).get(
        f"/shipments/hubs/{world.hub.pk}/manifest/{on}/").content.decode()
    assert f"Shipment {deu.pk}: arrives and leaves" in printed and "POL depot 1" not in printed
    assert 'data-classification="2"' in printed
    assert not ISO_DATE.search(said(printed))
    assert client_for(world.hub_operator).get(
        f"/shipments/hubs/{world.hub.pk}/manifest/not-a-day/").status_code == 404


def test_a_reader_who_may_not_see_a_shipment_finds_nothing_of_it(world, shipped):
    deu, pol = shipped["deu"], shipped["pol"]
    on = deu.expected_hub_on.isoformat()
    hub = f"/shipments/hubs/{world.hub.pk}/"
    # The Polish donor sees the hub (released to all donors) but not the German shipment.
    for url in (hub, f"{hub}manifest/{on}/", "/shipments/timeline/",
                "/shipments/timeline/?by=hub"):
        text = client_for(world.pol_rep).get(url).content.decode()
        assert f"Shipment {deu.pk}" not in text and "DEU depot 1" not in text, url
        assert f"Shipment {pol.pk}" in text or "manifest" in url
    _, rows = manifest_rows(client_for(world.pol_rep).get(f"{hub}manifest/{on}.csv"))
    assert rows == []
    # The recipient's planner may not see the hub at all: 404 on every page of it.
    for url in (hub, f"{hub}manifest/{on}/", f"{hub}manifest/{on}.csv"):
        assert client_for(world.planner).get(url).status_code == 404, url
    text = client_for(world.planner).get("/shipments/timeline/").content.decode()
    assert "Shipment " not in said(text) and world.hub.name not in text


def test_a_hub_the_reader_may_not_see_is_absent(world):
    other = HubFactory(name="Constanta", owner=OrgOfKindFactory(kind="hub_operator"))
    for user in (world.deu_rep, world.hub_operator, world.planner):
        assert client_for(user).get(f"/shipments/hubs/{other.pk}/").status_code == 404
        assert closure_post(user, other, today(), today()).status_code == 404
    assert client_for(world.coordinator).get(f"/shipments/hubs/{other.pk}/").status_code == 200


def test_the_hub_s_officers_start_on_its_board(world, shipped):
    deu = shipped["deu"]
    page = client_for(world.hub_operator).get("/").content.decode()
    assert "Your hub: this week and the next two" in page
    assert f"/shipments/hubs/{world.hub.pk}/" in page and f"Shipment {deu.pk}" in page
    assert not ISO_DATE.search(said(page))
    unit = client_for(world.east_unit).get("/").content.decode()
    assert "Your hub" not in unit
