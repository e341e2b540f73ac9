"""The shipment pages as each role sees them: the list (the donor's tracker), a shipment's
page and its steps, the discrepancies, the need's tracker and the needs affected."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clearinghouse.planning.models import Plan
from clearinghouse.security.roles import Classification, Role
from clearinghouse.shipments import receipts, services
from clearinghouse.shipments.models import (
    Discrepancy,
    DiscrepancyState,
    Receipt,
    Shipment,
    ShipmentEvent,
    ShipmentState,
)
from tests.conftest import client_for
from tests.factories import OrgOfKindFactory, UserFactory

pytestmark = pytest.mark.django_db
S = ShipmentState


def auditor():
    return UserFactory(organisation=OrgOfKindFactory(kind="oversight"), roles=[Role.AUDITOR],
                       clearance=Classification.CONFIDENTIAL)


@pytest.fixture
def made(world, adopted):
    shipments = services.make_shipments(world.coordinator)
    unit = world.east_unit.organisation
    Shipment.objects.filter(pk__in=[s.pk for s in shipments]).update(receiving_unit=unit)
    return [Shipment.objects.get(pk=s.pk) for s in shipments]


def of(world, made, donor) -> Shipment:
    return next(s for s in made if s.owner_id == donor.owner_id)


def streamed(reply) -> str:
    assert reply.status_code == 200, reply.status_code
    return b"".join(reply.streaming_content).decode()


def ids(reply) -> set[int]:
    assert reply.status_code == 200, reply.status_code
    return {row["pk"] for row in reply.context["rows"]}


def to_hub(world, shipment: Shipment) -> Shipment:
    today = timezone.localdate()
    shipment = services.take_step(world.coordinator, shipment, "depart", shipment.version,
                                  on=today)
    return services.take_step(world.hub_operator, shipment, "arrive_at_hub", shipment.version,
                              on=today)


def short_receipt(world, shipment: Shipment) -> Shipment:
    shipment = to_hub(world, shipment)
    shipment = services.take_step(world.east_unit, shipment, "hand_over", shipment.version)
    counts = {str(line.pk): {"accepted": line.shipped - 1, "short": 1,
                             "reason": "lost_in_transit"} for line in shipment.lines.all()}
    shipment = receipts.receive(world.east_unit, shipment, shipment.version, counts)
    return receipts.verify(world.east_unit, shipment, shipment.version)


# -- the list -----------------------------------------------------------------------------------

def test_each_role_lists_the_shipments_it_may_follow(world, made):
    everything = {s.pk for s in made}
    deu, pol = of(world, made, world.deu), of(world, made, world.pol)
    assert ids(client_for(world.coordinator).get("/shipments/?page_size=200")) == everything
    assert ids(client_for(auditor()).get("/shipments/?page_size=200")) == everything
    # A donor's tracker: its own consignments only.
    assert ids(client_for(world.deu_rep).get("/shipments/?page_size=200")) == {
        s.pk for s in made if s.owner_id == world.deu.owner_id}
    assert pol.pk not in ids(client_for(world.deu_rep).get("/shipments/"))
    assert ids(client_for(world.hub_operator).get("/shipments/?page_size=200")) == everything
    # The recipient's planner follows no movement.
    assert ids(client_for(world.planner).get("/shipments/")) == set()
    assert deu.pk in everything


def test_an_anonymous_donor_stays_anonymous_in_the_list_its_filter_and_its_export(world, made):
    pol = of(world, made, world.pol)
    client = client_for(world.hub_operator)
    page = client.get("/shipments/?page_size=200")
    row = next(r for r in page.context["rows"] if r["pk"] == pol.pk)
    texts = [c.text for c in row["cells"]]
    assert "anonymous" in texts and "Poland" not in texts and "POL depot 1" not in texts
    assert "Poland" not in page.content.decode()  # not offered by the donor filter either
    assert ids(client.get(f"/shipments/?donor={world.pol.owner_id}")) == set()
    export = streamed(client.get("/shipments/export.csv/"))
    assert "POL depot 1" not in export and "Poland" not in export
    coordinator = client_for(world.coordinator)
    assert ids(coordinator.get(f"/shipments/?donor={world.pol.owner_id}")) == {pol.pk}
    assert "POL depot 1" in streamed(coordinator.get("/shipments/export.csv/"))


def test_the_list_filters_by_state_hub_region_and_late(world, made):
    client = client_for(world.coordinator)
    deu = to_hub(world, of(world, made, world.deu))
    assert ids(client.get("/shipments/?state=at_hub")) == {deu.pk}
    assert ids(client.get(f"/shipments/?hub={world.hub.pk}&page_size=200")) == {
        s.pk for s in made}
    assert ids(client.get(f"/shipments/?region={world.critical.region_id}&page_size=200")) == {
        s.pk for s in made if s.region_id == world.critical.region_id}
    assert ids(client.get("/shipments/?late=true")) == set()
    other = next(s for s in made if s.pk != deu.pk)
    services.delay(world.coordinator, other, other.version,
                   other.expected_hub_on + timedelta(weeks=1))
    assert ids(client.get("/shipments/?late=true")) == {other.pk}
    page = client.get("/shipments/?late=true")
    assert "late" in [c.text for c in page.context["rows"][0]["cells"]]
    assert client.get("/shipments/?state=nonsense").status_code == 200  # refused, no rows
    assert ids(client.get("/shipments/?state=nonsense")) == set()
    xlsx = client.get("/shipments/export.xlsx/")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")


def test_only_coordinators_make_shipments_from_the_list_page(world, adopted):
    assert "Make shipments from the adopted plan" not in client_for(
        world.deu_rep).get("/shipments/").content.decode()
    assert client_for(world.deu_rep).post("/shipments/make/").status_code == 403
    assert client_for(auditor()).post("/shipments/make/").status_code == 403
    assert not Shipment.objects.exists()
    client = client_for(world.coordinator)
    assert "Make shipments from the adopted plan" in client.get("/shipments/").content.decode()
    assert client.post("/shipments/make/").status_code == 303
    assert Shipment.objects.filter(plan=adopted).exists()


def test_the_menu_offers_shipments_to_those_who_follow_them(world):
    assert "/shipments/" in client_for(world.deu_rep).get("/").content.decode()
    assert "/shipments/" in client_for(world.hub_operator).get("/").content.decode()
    assert 'href="/shipments/"' not in client_for(world.planner).get("/").content.decode()


# -- a shipment's page --------------------------------------------------------------------------

def test_a_shipment_page_shows_its_route_and_timeline_to_its_parties(world, made):
    deu, pol = of(world, made, world.deu), of(world, made, world.pol)
    page = client_for(world.deu_rep).get(f"/shipments/{deu.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "DEU depot 1" in text and world.hub.name in text and "East" in text
    assert "155 mm shell" in text and "What happened" in text
    assert client_for(world.deu_rep).get(f"/shipments/{pol.pk}/").status_code == 404
    assert client_for(world.planner).get(f"/shipments/{deu.pk}/").status_code == 404
    hub_page = client_for(world.hub_operator).get(f"/shipments/{pol.pk}/").content.decode()
    assert "anonymous" in hub_page and "POL depot 1" not in hub_page
    assert "Poland" not in hub_page and world.pol_rep.username not in hub_page


def test_each_reader_gets_the_forms_of_the_steps_it_may_take_only(world, made):
    deu = of(world, made, world.deu)
    steps = lambda user: [f.step for f in client_for(user).get(  # noqa: E731
        f"/shipments/{deu.pk}/").context["steps"]]
    assert steps(world.deu_rep) == ["ready", "depart", "delay", "cancel", "split"]
    assert steps(world.hub_operator) == ["delay"]
    assert steps(world.east_unit) == []
    assert steps(auditor()) == []
    # A step the rules refuse: 403, nothing recorded.
    reply = client_for(world.east_unit).post(f"/shipments/{deu.pk}/act/depart/",
                                             {"version": deu.version})
    assert reply.status_code == 403
    assert Shipment.objects.get(pk=deu.pk).state == S.PLANNED
    assert client_for(world.planner).post(f"/shipments/{deu.pk}/act/ready/",
                                          {"version": deu.version}).status_code == 404
    assert client_for(world.deu_rep).post(f"/shipments/{deu.pk}/act/fly/",
                                          {"version": deu.version}).status_code == 404


def test_departure_with_less_than_planned_and_refusals_by_field(world, made):
    deu = of(world, made, world.deu)
    line = deu.lines.first()
    client = client_for(world.deu_rep)
    url = f"/shipments/{deu.pk}/act/depart/"
    too_many = client.post(url, {"version": deu.version, f"shipped_{line.pk}": "100000"})
    assert too_many.status_code == 400
    form = too_many.context["steps"][[f.step for f in too_many.context["steps"]].index("depart")]
    assert f"shipped_{line.pk}" in form.errors
    future = client.post(url, {"version": deu.version, "happened_on": "2999-01-01",
                               f"shipped_{line.pk}": "10"})
    assert future.status_code == 400
    assert "happened_on" in next(f for f in future.context["steps"] if f.step == "depart").errors
    blank = client.post(url, {"version": deu.version, f"shipped_{line.pk}": ""})
    assert blank.status_code == 400
    assert f"shipped_{line.pk}" in next(
        f for f in blank.context["steps"] if f.step == "depart").errors
    stale = client.post(url, {"version": deu.version - 1, f"shipped_{line.pk}": "10"})
    assert stale.status_code == 409
    assert Shipment.objects.get(pk=deu.pk).state == S.PLANNED
    assert not ShipmentEvent.objects.filter(shipment=deu, kind="departed").exists()
    done = client.post(url, {"version": deu.version, f"shipped_{line.pk}": "10"})
    assert done.status_code == 303
    line.refresh_from_db()
    assert line.shipped == Decimal(10) and Shipment.objects.get(pk=deu.pk).state == S.DEPARTED
    timeline = client.get(f"/shipments/{deu.pk}/").content.decode()
    assert "Departed" in timeline and "10 × 155 mm shell" in timeline


def test_a_delay_moves_the_dates_and_a_past_day_is_refused_on_its_field(world, made):
    deu = of(world, made, world.deu)
    client = client_for(world.hub_operator)
    url = f"/shipments/{deu.pk}/act/delay/"
    past = client.post(url, {"version": deu.version, "hub_on": "2001-01-01"})
    assert past.status_code == 400
    assert "hub_on" in next(f for f in past.context["steps"] if f.step == "delay").errors
    empty = client.post(url, {"version": deu.version, "hub_on": ""})
    assert empty.status_code == 400
    assert Shipment.objects.get(pk=deu.pk).expected_hub_on == deu.expected_hub_on
    later = deu.expected_hub_on + timedelta(days=7)
    assert client.post(url, {"version": deu.version, "hub_on": later.isoformat()}
                       ).status_code == 303
    assert Shipment.objects.get(pk=deu.pk).expected_hub_on == later
    assert "late" in client.get(f"/shipments/{deu.pk}/").content.decode()


def test_the_unit_counts_a_short_receipt_with_a_reason_from_the_list(world, made):
    deu = to_hub(world, of(world, made, world.deu))
    deu = services.take_step(world.east_unit, deu, "hand_over", deu.version)
    line = deu.lines.first()
    client = client_for(world.east_unit)
    url = f"/shipments/{deu.pk}/act/receive/"
    base = {"version": deu.version, f"accepted_{line.pk}": str(line.shipped - 2),
            f"short_{line.pk}": "2"}
    no_reason = client.post(url, base)
    assert no_reason.status_code == 400
    form = next(f for f in no_reason.context["steps"] if f.step == "receive")
    assert f"reason_{line.pk}" in form.errors
    over = client.post(url, base | {f"accepted_{line.pk}": str(line.shipped + 5),
                                    f"reason_{line.pk}": "lost_in_transit"})
    assert over.status_code == 400
    assert f"accepted_{line.pk}" in next(
        f for f in over.context["steps"] if f.step == "receive").errors
    assert not Receipt.objects.filter(line=line).exists()
    assert Shipment.objects.get(pk=deu.pk).state == S.HANDED_OVER
    ok = client.post(url, base | {f"reason_{line.pk}": "lost_in_transit"})
    assert ok.status_code == 303
    assert Discrepancy.objects.get(line=line).quantity == 2
    deu.refresh_from_db()
    assert client.post(f"/shipments/{deu.pk}/act/verify/", {"version": deu.version}
                       ).status_code == 303
    assert Shipment.objects.get(pk=deu.pk).state == S.VERIFIED


def test_split_and_cancel_through_the_page(world, made):
    deu = of(world, made, world.deu)
    line = deu.lines.first()
    client = client_for(world.deu_rep)
    everything = client.post(f"/shipments/{deu.pk}/act/split/",
                             {"version": deu.version, f"move_{line.pk}": str(line.quantity)})
    assert everything.status_code == 400
    assert Shipment.objects.count() == len(made)
    assert client.post(f"/shipments/{deu.pk}/act/split/",
                       {"version": deu.version, f"move_{line.pk}": "1"}).status_code == 303
    assert Shipment.objects.count() == len(made) + 1
    deu.refresh_from_db()
    assert client.post(f"/shipments/{deu.pk}/act/cancel/", {"version": deu.version}
                       ).status_code == 303
    assert Shipment.objects.get(pk=deu.pk).state == S.CANCELLED


# -- discrepancies ------------------------------------------------------------------------------

def test_discrepancies_are_seen_by_the_sender_and_the_coordinator_and_resolved(world, made):
    deu = short_receipt(world, of(world, made, world.deu))
    case = Discrepancy.objects.get(line__shipment=deu)
    coordinator = client_for(world.coordinator)
    page = coordinator.get("/shipments/discrepancies/")
    assert [d.pk for d in page.context["cases"]] == [case.pk] and page.context["cases"][0].form
    donor_page = client_for(world.deu_rep).get("/shipments/discrepancies/")
    assert [d.pk for d in donor_page.context["cases"]] == [case.pk]
    assert client_for(world.pol_rep).get("/shipments/discrepancies/").context["cases"] == []
    assert client_for(world.planner).get("/shipments/discrepancies/").context["cases"] == []
    # The hub sees the case on its route but does not settle it.
    assert client_for(world.hub_operator).post(
        f"/shipments/discrepancies/{case.pk}/resolve/",
        {"version": case.version, "resolution": "written_off"}).status_code == 403
    assert client_for(world.pol_rep).post(
        f"/shipments/discrepancies/{case.pk}/resolve/",
        {"version": case.version, "resolution": "written_off"}).status_code == 404
    bad = client_for(world.deu_rep).post(f"/shipments/discrepancies/{case.pk}/resolve/",
                                         {"version": case.version, "resolution": "lost",
                                          "from": "list"})
    assert bad.status_code == 400
    assert "resolution" in next(d for d in bad.context["cases"] if d.pk == case.pk).form.errors
    assert Discrepancy.objects.get(pk=case.pk).state == DiscrepancyState.OPEN
    ok = client_for(world.deu_rep).post(f"/shipments/discrepancies/{case.pk}/resolve/",
                                        {"version": case.version, "resolution": "written_off",
                                         "from": "list"})
    assert ok.status_code == 303 and ok["Location"] == "/shipments/discrepancies/"
    assert Discrepancy.objects.get(pk=case.pk).resolution == "written_off"


# -- the need's tracker -------------------------------------------------------------------------

def test_the_need_page_shows_delivered_to_all_and_the_movement_to_those_who_may_see_it(
        world, made):
    deu = short_receipt(world, of(world, made, world.deu))
    line = deu.lines.first()
    need_url = f"/needs/{line.need_id}/"
    planner = client_for(world.planner).get(need_url)
    text = planner.content.decode()
    tracker = next(p for p in planner.context["panels"]
                   if p["template"] == "shipments/panels/need_tracker.html")
    assert tracker["delivered"] == line.shipped - 1 and tracker["lost"] == 1
    assert tracker["tracked"] == []
    assert "Delivered" in text
    for secret in (world.hub.name, "DEU depot 1", f"/shipments/{deu.pk}/", "Expected delivery"):
        assert secret not in text, secret
    coordinator = client_for(world.coordinator).get(need_url)
    seen = next(p for p in coordinator.context["panels"]
                if p["template"] == "shipments/panels/need_tracker.html")
    assert deu.pk in [t.shipment.pk for t in seen["tracked"]]
    assert f"/shipments/{deu.pk}/" in coordinator.content.decode()


def test_the_planner_sees_no_date_of_a_shipment_not_yet_verified(world, made):
    deu = to_hub(world, of(world, made, world.deu))
    need_url = f"/needs/{deu.lines.first().need_id}/"
    text = client_for(world.planner).get(need_url).content.decode()
    assert f'href="/shipments/{deu.pk}/"' not in text and 'id="need-shipments"' not in text
    assert "Delivered" in text


# -- the needs affected -------------------------------------------------------------------------

def test_the_affected_page_is_for_coordinators_and_auditors(world, made):
    deu = short_receipt(world, of(world, made, world.deu))
    for user in (world.deu_rep, world.planner, world.hub_operator, world.east_unit):
        assert client_for(user).get("/shipments/affected/").status_code == 403
    page = client_for(world.coordinator).get("/shipments/affected/")
    need_id = deu.lines.first().need_id
    row = next(r for r in page.context["rows"] if r.need.pk == need_id)
    assert any("short" in why and "open" in why for why in row.reasons)
    assert "Run a plan from the current state" in page.content.decode()
    audit = client_for(auditor()).get("/shipments/affected/")
    assert audit.status_code == 200
    assert "Run a plan from the current state" not in audit.content.decode()


def test_a_rerun_from_the_affected_page_starts_from_the_adopted_plan(world, made, adopted):
    reply = client_for(world.coordinator).post(f"/plans/{adopted.pk}/rerun/")
    assert reply.status_code == 303
    assert Plan.objects.exclude(pk=adopted.pk).exists()


def test_a_post_without_its_version_is_refused_and_changes_nothing(world, made):
    deu = of(world, made, world.deu)
    reply = client_for(world.deu_rep).post(f"/shipments/{deu.pk}/act/ready/", {"version": "x"})
    assert reply.status_code == 400 and "reload it and try again" in reply.content.decode()
    assert Shipment.objects.get(pk=deu.pk).state == S.PLANNED
