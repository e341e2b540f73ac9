"""Notices (core/notices, docs/notices.md): each event tells the right parties and nobody else;
a notice is read only while its record is visible to the reader; adoption tells each donor once,
in constant queries; the inbox page, the header's count, the API; e-mail off by default."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clearinghouse.core.models import Notice, NoticeRead
from clearinghouse.core.notices import inbox, mark_read, notice, notify, readers, unread_count
from clearinghouse.needs import services as need_services
from clearinghouse.needs.models import NeedState
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.planning import services as plan_services
from clearinghouse.planning.models import Allocation, Gap, PlanState
from clearinghouse.planning.notices import GAPS_PER_DONOR
from clearinghouse.planning.snapshot import fingerprint
from clearinghouse.pledges import services as pledge_services
from clearinghouse.pledges.models import PledgeState
from clearinghouse.security.roles import Audience, Classification, Role
from tests.conftest import client_for
from tests.factories import (
    HubFactory,
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    OrgOfKindFactory,
    PlanFactory,
    PledgeFactory,
    StockPositionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def texts(user) -> list[str]:
    return list(inbox(user).values_list("text", flat=True))


@pytest.fixture
def hub_user():
    return UserFactory(organisation=OrgOfKindFactory(kind=OrganisationKind.HUB_OPERATOR),
                       roles=[Role.LOGISTICS_OFFICER])


@pytest.fixture
def recipient_trainer(recipient):
    """A user of the recipient who is not a planner."""
    return UserFactory(organisation=recipient, roles=[Role.TRAINING_OFFICER])


# -- needs -------------------------------------------------------------------------------------

def test_validating_and_opening_a_need_tell_its_planners_then_the_donors(
        coordinator, planner, recipient, recipient_trainer, donor, other_donor, hub_user):
    need = NeedFactory(owner=recipient, state=NeedState.SUBMITTED, release_all_donors=False,
                       quantity=Decimal("12"))
    need_services.validate_need(coordinator, need, need.version)
    assert texts(planner) == [f"Your need {need.pk} (12 × {need.item_type}, high priority, by "
                              f"{need.required_by:%-d %b %Y}) was validated."]
    for nobody in (coordinator, recipient_trainer, donor, other_donor, hub_user):
        assert texts(nobody) == []

    need.refresh_from_db()
    need_services.open_need(coordinator, need, need.version)
    assert texts(planner)[0].endswith("was opened to donors.")
    for a_donor in (donor, other_donor):
        assert texts(a_donor) == [f"A new need you could pledge against: 12 × {need.item_type},"
                                  f" high priority, by {need.required_by:%-d %b %Y}."]
    for nobody in (coordinator, recipient_trainer, hub_user):
        assert texts(nobody) == []
    # One row for all donors, not one per donor.
    assert Notice.objects.filter(kind="need_new").count() == 1


def test_submitting_or_cancelling_a_need_tells_nobody(planner, recipient, coordinator):
    need = NeedFactory(owner=recipient, state=NeedState.DRAFT)
    need_services.submit_need(planner, need, need.version)
    need.refresh_from_db()
    need_services.cancel_need(coordinator, need, need.version)
    assert not Notice.objects.exists()


# -- pledges -----------------------------------------------------------------------------------

@pytest.mark.parametrize("action, word", [("accept", "accepted"), ("decline", "declined")])
def test_accepting_or_declining_a_pledge_tells_only_its_donor(
        action, word, coordinator, donor, other_donor, planner, donor_org):
    pledge = PledgeFactory(owner=donor_org, quantity=Decimal("10"))
    pledge_services.act_on_pledge(coordinator, pledge, action, pledge.version)
    assert texts(donor) == [f"Your pledge {pledge.pk} (10 × {pledge.item_type}) was {word}."]
    for nobody in (other_donor, planner, coordinator):
        assert texts(nobody) == []


def test_allocating_by_hand_tells_the_donor(coordinator, donor, donor_org):
    pledge = PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED, kind="funding",
                           item_type=None, quantity=None, amount_eur=Decimal("2500000"))
    pledge_services.act_on_pledge(coordinator, pledge, "allocate", pledge.version)
    [text] = texts(donor)
    assert text.startswith(f"Your pledge {pledge.pk} (") and text.endswith(") was allocated.")
    assert "2,500,000" in text


def test_a_donor_never_reads_of_another_donors_confidential_pledge(
        coordinator, donor, other_donor, donor_org):
    secret = PledgeFactory(owner=donor_org, classification=Classification.CONFIDENTIAL,
                           anonymous=True, release_all_donors=True)
    pledge_services.accept_pledge(coordinator, secret, secret.version)
    # Even a notice wrongly addressed to every donor is not read by one who may not see it.
    notify(notice(secret, "Pledge accepted.", kind="test", audience=Audience.ALL_DONORS))
    assert texts(other_donor) == [] and unread_count(other_donor) == 0
    # Its own representative, cleared below it, does not read of it either.
    assert texts(donor) == []
    cleared = UserFactory(organisation=donor_org, clearance=Classification.CONFIDENTIAL)
    assert len(texts(cleared)) == 2


# -- read-time visibility ----------------------------------------------------------------------

def test_a_notice_disappears_when_its_record_is_no_longer_visible(
        coordinator, planner, recipient, donor):
    need = NeedFactory(owner=recipient, state=NeedState.VALIDATED, release_all_donors=False)
    need_services.open_need(coordinator, need, need.version)
    assert len(texts(donor)) == 1 and unread_count(donor) == 1
    type(need).objects.filter(pk=need.pk).update(release_all_donors=False)
    assert texts(donor) == [] and unread_count(donor) == 0
    assert len(texts(planner)) == 1
    type(need).objects.filter(pk=need.pk).update(classification=Classification.CONFIDENTIAL)
    assert texts(planner) == []  # above the planner's clearance now


def test_a_notice_about_a_model_nobody_reads_is_refused(donor):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        notice(HubFactory(), "A hub.", kind="test", user=donor)
    with pytest.raises(ImproperlyConfigured):  # one addressee
        notice(donor.organisation, "Twice.", kind="test", user=donor,
               organisation=donor.organisation)


# -- adoption ----------------------------------------------------------------------------------

def adoptable(coordinator, allocations, gaps=()):
    """A solved plan over the records as they are now: ``allocations`` (pledge, need,
    quantity) and ``gaps`` (need, missing)."""
    hub = HubFactory()
    plan = PlanFactory(owner=coordinator.organisation, state=PlanState.SOLVED,
                       created_by=coordinator, fingerprint=fingerprint(coordinator))
    Allocation.objects.bulk_create([
        Allocation(plan=plan, pledge=p, need=n, hub=hub, ship_week=1, arrival_week=2,
                   quantity=q, value=1.0) for p, n, q in allocations])
    Gap.objects.bulk_create([Gap(plan=plan, need=n, missing=m, late=0) for n, m in gaps])
    return plan


def adopt(coordinator, plan):
    plan.refresh_from_db()
    return plan_services.adopt_plan(coordinator, plan, plan.version)


def test_adoption_tells_each_changed_donor_and_the_recipient_once(
        coordinator, planner, recipient, donor, other_donor, donor_org, hub_user):
    need = NeedFactory(owner=recipient, quantity=Decimal("1000"))
    mine = [PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED) for _ in range(3)]
    theirs = PledgeFactory(owner=other_donor.organisation, state=PledgeState.ACCEPTED,
                           anonymous=True)
    first = adoptable(coordinator, [(p, need, 10.0) for p in [*mine, theirs]])
    adopt(coordinator, first)
    assert texts(donor) == [f"Plan {first.pk} was adopted: 3 of your pledges are allocated "
                            "in it (3 newly)."]
    assert texts(other_donor) == [f"Plan {first.pk} was adopted: 1 of your pledges is "
                                  "allocated in it (1 newly)."]
    assert texts(planner) == [f"Plan {first.pk} was adopted: 1 of your needs changed: now "
                              "1 partly covered."]
    assert texts(hub_user) == [] and texts(coordinator) == []

    # The next plan changes one of mine, drops another, and leaves the other donor's as it was.
    second = adoptable(coordinator, [(mine[0], need, 5.0), (mine[1], need, 10.0),
                                     (theirs, need, 10.0)])
    adopt(coordinator, second)
    assert texts(donor)[0] == (f"Plan {second.pk} was adopted: 2 of your pledges are "
                               "allocated in it (1 changed); 1 is no longer allocated: "
                               "accepted, free for the next plan.")
    # Nothing changed for the other donor: not told. The first plan is superseded: those who
    # saw it thin (its donors) no longer see it, nor the notices about it.
    assert texts(other_donor) == []
    assert len(texts(donor)) == 1


def test_a_count_never_includes_pledges_above_the_readers_clearance(
        coordinator, recipient, donor, donor_org):
    need = NeedFactory(owner=recipient, quantity=Decimal("1000"))
    plain = PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED)
    secret = PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED,
                           classification=Classification.CONFIDENTIAL)
    plan = adoptable(coordinator, [(plain, need, 10.0), (secret, need, 10.0)])
    adopt(coordinator, plan)
    cleared = UserFactory(organisation=donor_org, clearance=Classification.CONFIDENTIAL)
    assert texts(donor) == [f"Plan {plan.pk} was adopted: 1 of your pledges is allocated "
                            "in it (1 newly)."]
    assert texts(cleared) == [f"Plan {plan.pk} was adopted: 2 of your pledges are "
                              "allocated in it (2 newly)."]
    lowest = UserFactory(organisation=donor_org, clearance=Classification.COALITION)
    assert texts(lowest) == []


def test_a_donor_whose_pledges_were_all_released_is_told_without_the_plan(
        coordinator, recipient, donor, donor_org):
    need = NeedFactory(owner=recipient)
    pledge = PledgeFactory(owner=donor_org, state=PledgeState.ACCEPTED)
    adopt(coordinator, adoptable(coordinator, [(pledge, need, 10.0)]))
    second = adoptable(coordinator, [])
    adopt(coordinator, second)
    [text] = texts(donor)
    assert text == (f"Plan {second.pk} was adopted: 1 is no longer allocated: accepted, "
                    "free for the next plan.")


def test_adoption_makes_one_notice_per_organisation_in_constant_queries(coordinator, recipient):
    readers()  # content types cached, as in a running server
    donors = [OrganisationFactory() for _ in range(2)]
    need = NeedFactory(owner=recipient, quantity=Decimal("100000"))
    adopt(coordinator, adoptable(coordinator, []))  # a plan before, as always after the first

    def adoption(size: int) -> tuple[int, int, int]:
        """Queries of adopting ``size`` pledges of each donor: all of them, and those besides
        the pledges' bulk updates and history rows (batched by the database's limit of
        parameters per query: on SQLite their number grows with the rows); and the adoption
        notices made."""
        saved = transaction.savepoint()
        pledges = [PledgeFactory(owner=d, state=PledgeState.ACCEPTED) for d in donors
                   for _ in range(size)]
        plan = adoptable(coordinator, [(p, need, 1.0) for p in pledges])
        plan.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            plan_services.adopt_plan(coordinator, plan, plan.version)
        made = Notice.objects.filter(object_id=plan.pk, kind="plan_adopted").count()
        transaction.savepoint_rollback(saved)
        history = [q for q in queries.captured_queries
                   if q["sql"].startswith(('INSERT INTO "pledges_historicalpledge"',
                                           'INSERT INTO "core_chainlink"',
                                           'UPDATE "pledges_pledge" SET "state" = CASE'))]
        return len(queries), len(queries) - len(history), made

    small, medium, large = adoption(2), adoption(15), adoption(240)
    assert small[2] == medium[2] == large[2] == 3  # two donors and the recipient
    assert small[0] == medium[0], (small, medium)  # within one batch of history rows
    assert small[1] == large[1], (small, large)  # 480 pledges: the same


def test_a_gap_is_told_to_donors_holding_its_item_at_most_a_few_each(
        coordinator, recipient, donor, donor_org, other_donor):
    shells = ItemTypeFactory(name="155 mm shell", indivisible=False)
    needs = [NeedFactory(owner=recipient, item_type=shells) for _ in range(GAPS_PER_DONOR + 2)]
    hidden = NeedFactory(owner=recipient, item_type=shells, release_all_donors=False)
    StockPositionFactory(owner=donor_org, item_type=shells)
    StockPositionFactory(owner=other_donor.organisation)  # another item
    plan = adoptable(coordinator, [], gaps=[(n, 30.5) for n in [*needs, hidden]])
    adopt(coordinator, plan)
    told = [t for t in texts(donor) if t.startswith("A gap you could close")]
    assert len(told) == GAPS_PER_DONOR
    assert all("30.5 × 155 mm shell still missing" in t for t in told)
    assert not any(f"need {hidden.pk} " in t for t in told)
    assert not any(t.startswith("A gap") for t in texts(other_donor))
    # The next adoption does not repeat what the donor was already told.
    adopt(coordinator, adoptable(coordinator, [], gaps=[(n, 30.5) for n in needs]))
    told = [t for t in texts(donor) if t.startswith("A gap")]
    assert len(told) == GAPS_PER_DONOR + 2


# -- reading: the page, the header, the API ----------------------------------------------------

def some_notices(donor, count: int = 3) -> list[Notice]:
    return notify(notice(donor.organisation, f"Notice {i}.", kind="test",
                         organisation=donor.organisation) for i in range(count))


def test_the_unread_count_is_one_query_and_shows_on_every_page(donor, other_donor,
                                                              django_assert_num_queries):
    some_notices(donor)
    with django_assert_num_queries(1):
        assert unread_count(donor) == 3
    page = client_for(donor).get("/").content.decode()
    assert 'href="/notices/"' in page and "(3<span class=\"visually-hidden\"> unread" in page
    other = client_for(other_donor).get("/").content.decode()
    assert 'href="/notices/"' in other and "unread" not in other


def test_the_inbox_lists_newest_first_and_marks_read(donor, other_donor):
    first, second, third = some_notices(donor)
    client = client_for(donor)
    page = client.get("/notices/").content.decode()
    assert page.index("Notice 2.") < page.index("Notice 1.") < page.index("Notice 0.")
    assert client.post(f"/notices/{second.pk}/read/").status_code == 302
    assert unread_count(donor) == 2 and unread_count(other_donor) == 0
    # Another organisation's notice is absent, and stays unread for its readers.
    mine = some_notices(other_donor, 1)[0]
    assert client.post(f"/notices/{mine.pk}/read/").status_code == 404
    assert client.get(f"/notices/{mine.pk}/read/").status_code == 405
    assert client.post("/notices/read/").status_code == 302
    assert unread_count(donor) == 0 and unread_count(other_donor) == 1
    assert "Mark all as read" not in client.get("/notices/").content.decode()


def test_the_inbox_banner_rises_to_what_its_notices_tell_of(coordinator, donor, donor_org):
    from tests.conftest import banner

    assert banner(client_for(donor).get("/notices/")) == Classification.PUBLIC
    pledge = PledgeFactory(owner=donor_org, classification=Classification.RESTRICTED)
    pledge_services.accept_pledge(coordinator, pledge, pledge.version)
    assert banner(client_for(donor).get("/notices/")) == Classification.RESTRICTED


def test_read_state_is_each_users_own(donor, donor_org):
    colleague = UserFactory(organisation=donor_org)
    some_notices(donor, 2)
    assert mark_read(donor) == 2 and mark_read(donor) == 0
    assert unread_count(colleague) == 2
    assert NoticeRead.objects.count() == 2


def test_the_inbox_pages(donor):
    some_notices(donor, 30)
    client = client_for(donor)
    assert "Page 1 of 2" in client.get("/notices/").content.decode()
    assert "Notice 0." in client.get("/notices/?page=2").content.decode()
    assert client.get("/notices/?page=x").status_code == 200


def test_the_inbox_asks_to_sign_in():
    assert client_for_anonymous("/notices/").status_code == 302


def client_for_anonymous(path: str):
    from django.test import Client

    return Client().get(path)


def test_the_api_lists_and_marks_read(api, donor, other_donor):
    first, second = some_notices(donor, 2)
    theirs = some_notices(other_donor, 1)[0]
    reply = api.as_(donor).get("/api/notices/")
    assert reply.status_code == 200
    assert [n["id"] for n in reply.json()["results"]] == [second.pk, first.pk]
    assert reply.json()["results"][0] == {
        "id": second.pk, "kind": "test", "text": "Notice 1.", "link": "",
        "record_type": "organisation", "record_id": donor.organisation_id,
        "created_at": reply.json()["results"][0]["created_at"], "read": False}
    assert api.get(f"/api/notices/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/notices/{theirs.pk}/read/").status_code == 404
    assert api.post(f"/api/notices/{first.pk}/read/").json()["read"] is True
    assert [n["id"] for n in api.get("/api/notices/?unread=true").json()["results"]] == [
        second.pk]
    assert api.post("/api/notices/read-all/").json() == {"marked": 1}
    assert api.get("/api/notices/?unread=true").json()["results"] == []
    refused = api.post(f"/api/notices/{first.pk}/read/", {"read": "perhaps"}, format="json")
    assert refused.status_code == 400 and "read" in refused.json()
    assert api.post(f"/api/notices/{first.pk}/read/", {"read": False},
                    format="json").json()["read"] is False
    assert [n["id"] for n in api.get("/api/notices/?unread=true").json()["results"]] == [
        first.pk]
    assert unread_count(other_donor) == 1


# -- e-mail ------------------------------------------------------------------------------------

def test_email_is_off_by_default(coordinator, donor, donor_org, django_capture_on_commit_callbacks):
    donor.email = "rep@example.org"
    donor.save()
    pledge = PledgeFactory(owner=donor_org)
    with django_capture_on_commit_callbacks(execute=True):
        pledge_services.accept_pledge(coordinator, pledge, pledge.version)
    assert mail.outbox == [] and len(texts(donor)) == 1


def test_email_goes_to_those_who_may_read_it_after_commit(
        settings, coordinator, donor, other_donor, donor_org, django_capture_on_commit_callbacks):
    settings.CLEARINGHOUSE_NOTIFY_EMAIL = True
    settings.CLEARINGHOUSE_SITE_URL = "https://ch.example.org"
    for user in (donor, other_donor):
        user.email = f"{user.username}@example.org"
        user.save()
    lowly = UserFactory(organisation=donor_org, email="lowly@example.org",
                        clearance=Classification.COALITION)
    pledge = PledgeFactory(owner=donor_org)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pledge_services.accept_pledge(coordinator, pledge, pledge.version)
    assert mail.outbox == []  # not before the transaction commits
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == [donor.email]  # not the other donor, nor one cleared below it
    assert message.subject == (f"Clearinghouse: Your pledge {pledge.pk} (10 × "
                               f"{pledge.item_type}) was accepted.")
    assert f"https://ch.example.org/pledges/{pledge.pk}/" in message.body
    assert lowly.email not in message.to


def test_a_mail_error_is_logged_not_raised(settings, coordinator, donor, donor_org, caplog,
                                           monkeypatch, django_capture_on_commit_callbacks):
    settings.CLEARINGHOUSE_NOTIFY_EMAIL = True
    donor.email = "rep@example.org"
    donor.save()

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("clearinghouse.core.notices.get_connection", broken)
    pledge = PledgeFactory(owner=donor_org)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        accepted = pledge_services.accept_pledge(coordinator, pledge, pledge.version)
    assert accepted.state == PledgeState.ACCEPTED and len(texts(donor)) == 1
    assert "could not be e-mailed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_solved_and_adopted_plan_tells_its_donors_and_the_recipient(
        world, django_capture_on_commit_callbacks):
    """The planning world, solved by the worker: each donor reads one notice of its own
    pledges (the anonymous donor's never reaches another), the planner one of its needs, and a
    donor holding shells one of the gap it could close."""
    from tests.planning.world import run_worker

    StockPositionFactory(owner=world.deu.owner, item_type=world.shells)
    with django_capture_on_commit_callbacks(execute=True):
        plan = plan_services.run_plan(world.coordinator)
    run_worker()
    adopt(world.coordinator, plan)
    name = f"Plan {plan.pk} was adopted"
    adopted, gap = sorted(texts(world.deu_rep), reverse=True)
    assert adopted == f"{name}: 2 of your pledges are allocated in it (2 newly)."
    assert gap.startswith(
        f"A gap you could close: 30 × 155 mm shell still missing for need {world.low.pk} ")
    assert texts(world.pol_rep) == [f"{name}: 1 of your pledges is allocated in it (1 newly)."]
    [planner] = texts(world.planner)
    assert planner.startswith(f"{name}: 3 of your needs changed: now ")
    for nobody in (world.coordinator, world.hub_operator, world.east_unit):
        assert texts(nobody) == []
