"""The change feed (reports/feed.py, reports/changes.py): for auditors and coordinators only;
every record type's history the reader may see and nothing else, filtered by person, record
type and dates, paged newest first, readable, exported with the same filters under a marking;
queries that do not grow with the entries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clearinghouse.parties.models import OrganisationKind
from clearinghouse.reports import changes
from clearinghouse.security.roles import Classification, Role
from tests.conftest import client_for
from tests.core.test_exports import content, csv_rows, marking_of, split_marking, xlsx_rows
from tests.factories import (
    NeedFactory,
    OrgOfKindFactory,
    PledgeFactory,
    StockPositionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
C = Classification
D = Decimal


def auditor_of(clearance: int):
    org = OrgOfKindFactory(kind=OrganisationKind.OVERSIGHT, name="Oversight Office")
    return UserFactory(organisation=org, roles=[Role.AUDITOR], clearance=clearance,
                       username=f"auditor{clearance}")


@pytest.fixture
def auditor():
    return auditor_of(C.CONFIDENTIAL)


def change(record, by=None, when=None, **fields):
    """Save ``record`` with ``fields`` changed, recorded as ``by`` at ``when``."""
    for name, value in fields.items():
        setattr(record, name, value)
    record._history_user = by
    if when is not None:
        record._history_date = when
    record.save()
    return record


def long_ago(record):
    """``record`` as if created a month ago: its later changes (``at``) come after it."""
    type(record).history.filter(id=record.pk).update(history_date=at(30))
    return record


def at(days_ago: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def rows_of(reply) -> list[dict]:
    assert reply.status_code == 200, reply.status_code
    return reply.context["entries"]


# --- who may open it -------------------------------------------------------------------------


def test_only_auditors_and_coordinators_open_the_feed_and_its_exports(
    auditor, coordinator, donor, planner
):
    admin = UserFactory(organisation=OrgOfKindFactory(kind=OrganisationKind.PLATFORM),
                        roles=[Role.ADMINISTRATOR], is_superuser=True)
    for user in (auditor, coordinator):
        client = client_for(user)
        assert client.get("/changes/").status_code == 200
        assert client.get("/changes/export.csv/").status_code == 200
    for user in (donor, planner, admin):
        client = client_for(user)
        for path in ("/changes/", "/changes/export.csv/", "/changes/export.xlsx/"):
            assert client.get(path).status_code == 403, (user, path)
    from django.test import Client

    assert "/accounts/login/" in Client().get("/changes/")["Location"]
    assert client_for(auditor).get("/changes/export.pdf/").status_code == 404


def test_the_auditors_start_page_links_to_the_feed(auditor):
    page = client_for(auditor).get("/").content.decode()
    assert 'href="/changes/"' in page


# --- what it shows ---------------------------------------------------------------------------


def test_feed_shows_every_record_type_newest_first_readably(auditor, recipient, donor):
    need = long_ago(NeedFactory(owner=recipient))
    change(need, by=donor, when=at(3), priority=1)  # critical
    pledge = long_ago(PledgeFactory(owner=donor.organisation, need=need,
                                    item_type=need.item_type))
    change(pledge, by=donor, when=at(1), quantity=D("7"))
    position = long_ago(StockPositionFactory(owner=donor.organisation))
    change(position, by=donor, when=at(2), quantity_held=D("500"))

    entries = rows_of(client_for(auditor).get("/changes/"))
    kinds = {e["kind"] for e in entries}
    assert {"Need", "Pledge", "Stock position"} <= kinds
    whens = [e["when"] for e in entries]
    assert whens == sorted(whens, reverse=True)
    by_donor = [e for e in entries if e["who"] == donor.username]
    assert [(e["kind"], e["record"]) for e in by_donor] == [
        ("Pledge", pledge.pk), ("Stock position", position.pk), ("Need", need.pk)]
    assert by_donor[0]["url"] == f"/pledges/{pledge.pk}/"
    need_change = by_donor[2]["changes"]
    assert {"field": "priority", "before": "high", "after": "critical"} in need_change
    page = client_for(auditor).get("/changes/").content.decode()
    assert "500" in page and "500.000" not in page  # readable values, no trailing zeros
    assert str(timezone.now().year) in page and "UTC" in page  # words.moment


def test_filters_by_person_record_type_and_dates(auditor, recipient, donor, coordinator):
    need = long_ago(NeedFactory(owner=recipient))
    change(need, by=coordinator, when=at(10), justification="ten days ago")
    change(need, by=donor, when=at(5), justification="five days ago")
    pledge = long_ago(PledgeFactory(owner=donor.organisation))
    change(pledge, by=donor, when=at(4), quantity=D("3"))
    client = client_for(auditor)

    def shown(**params) -> list[tuple[str, int]]:
        return [(e["kind"], e["record"]) for e in rows_of(client.get("/changes/", params))]

    assert shown(person=donor.username) == [("Pledge", pledge.pk), ("Need", need.pk)]
    assert shown(person=donor.username, kind="need") == [("Need", need.pk)]
    assert shown(person=coordinator.username) == [("Need", need.pk)]
    day = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert shown(since=day, until=day) == [("Need", need.pk)]
    week_ago = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert set(shown(since=week_ago, person=donor.username)) == {("Need", need.pk),
                                                                 ("Pledge", pledge.pk)}
    # Until 11 days ago: the two records' creation only, a month ago.
    early = client.get("/changes/", {"until": (timezone.localdate()
                                               - dt.timedelta(days=11)).isoformat()})
    assert sorted(e["type"] for e in rows_of(early)) == ["created", "created"]
    # A period that ends before it starts is refused, naming the field; nothing shown.
    before = (timezone.localdate() - dt.timedelta(days=11)).isoformat()
    reply = client.get("/changes/", {"since": day, "until": before})
    assert reply.status_code == 400 and reply.context["entries"] == []
    assert "Until: The end of the period comes before its start." in reply.content.decode()
    reply = client.get("/changes/", {"kind": "spaceship"})
    assert reply.status_code == 400 and "Record type" in reply.content.decode()
    assert client.get("/changes/export.csv/", {"kind": "spaceship"}).status_code == 400


def test_feed_pages(auditor, recipient):
    need = long_ago(NeedFactory(owner=recipient))
    for i in range(5):
        change(need, when=at(5 - i), justification=f"step {i}")
    client = client_for(auditor)
    first = client.get("/changes/", {"kind": "need", "page_size": 2})
    assert first.context["count"] == 6 and first.context["page_obj"].paginator.num_pages == 3
    last = client.get("/changes/", {"kind": "need", "page_size": 2, "page": 3})
    assert [e["type"] for e in last.context["entries"]][-1] == "created"


# --- nothing above the reader ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["page", "csv", "xlsx"])
def test_a_lower_cleared_auditor_sees_no_entry_of_a_record_above_it(recipient, donor, fmt):
    low = auditor_of(C.RESTRICTED)
    secret_need = NeedFactory(owner=recipient, classification=C.CONFIDENTIAL,
                              justification="Secret justification")
    change(secret_need, by=donor, justification="Secret change")
    secret_pledge = PledgeFactory(owner=donor.organisation, classification=C.CONFIDENTIAL,
                                  origin_depot="Secret depot")
    # Once CONFIDENTIAL, now RESTRICTED: the entries from then stay out.
    downgraded = NeedFactory(owner=recipient, classification=C.CONFIDENTIAL,
                             justification="Old secret")
    change(downgraded, by=donor, classification=C.RESTRICTED, justification="Now shareable")
    # A pledge the reader sees, answering the secret need: the need is not named, not even by id.
    seen = PledgeFactory(owner=donor.organisation, classification=C.COALITION)
    change(seen, by=donor, need=secret_need)
    client = client_for(low)
    if fmt == "page":
        reply = client.get("/changes/")
        entries = rows_of(reply)
        text = reply.content.decode()
    else:
        reply = client.get(f"/changes/export.{fmt}/")
        rows = csv_rows(reply) if fmt == "csv" else xlsx_rows(reply)
        assert marking_of(rows)["marking"] == "RESTRICTED"
        table = split_marking(rows)[1]
        entries = [{"kind": r[3], "record": int(r[4])} for r in table[1:]]
        text = repr(rows)
    records = {(e["kind"], e["record"]) for e in entries}
    assert ("Need", secret_need.pk) not in records
    assert ("Pledge", secret_pledge.pk) not in records
    assert ("Need", downgraded.pk) in records and ("Pledge", seen.pk) in records
    for secret in ("Secret justification", "Secret change", "Secret depot", "Old secret",
                   f"#{secret_need.pk}"):
        assert secret not in text, secret
    assert "Now shareable" in text


def test_the_feed_hides_an_anonymous_donor_where_the_reader_may_not_see_it(donor_org):
    """Coordinators and auditors see every donor; the masks stay for any other reader of
    ``changes`` (the feed's queries are shared)."""
    from tests.factories import OrganisationFactory

    writer = UserFactory(organisation=donor_org)
    pledge = PledgeFactory(owner=donor_org, anonymous=True, release_all_donors=True,
                           origin_depot="Depot Nord")
    change(pledge, by=writer, quantity=D("11"))
    reader = UserFactory(organisation=OrganisationFactory(name="Elsewhere"))
    entries = changes.describe_entries(reader, list(changes.entry_keys(reader)))
    assert entries and all(e["who"] in ("anonymous", None) for e in entries)
    assert "Depot Nord" not in repr(entries) and writer.username not in repr(entries)


# --- exports ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_holds_the_filtered_feed_one_row_per_changed_field(
    auditor, recipient, donor, fmt
):
    need = NeedFactory(owner=recipient, classification=C.RESTRICTED)
    change(need, by=donor, priority=1, justification="=cmd|' /C calc'!A0")
    other = NeedFactory(owner=recipient, classification=C.CONFIDENTIAL)
    change(other, by=auditor, justification="not this one")
    reply = client_for(auditor).get(f"/changes/export.{fmt}/",
                                    {"person": donor.username, "kind": "need"})
    rows = csv_rows(reply) if fmt == "csv" else xlsx_rows(reply)
    found = marking_of(rows)
    assert found["marking"] == "RESTRICTED"  # the CONFIDENTIAL need is filtered out
    assert found["List"] == "Change feed"
    assert found["Filters"] == f"Person: {donor.username} (Germany); Record type: Need"
    table = split_marking(rows)[1]
    assert table[0] == ["When", "Who", "Organisation", "Record type", "Record", "Change",
                        "Field", "Before", "After", "Classification"]
    lines = {(r[6], r[7], r[8]) for r in table[1:]}
    assert lines == {("priority", "high", "critical"),
                     ("justification", "—", "'=cmd|' /C calc'!A0")}
    assert all(r[1] == donor.username and int(r[4]) == need.pk for r in table[1:])
    assert "attachment" in reply["Content-Disposition"]


def test_queries_do_not_grow_with_the_entries(auditor, recipient, donor):
    client = client_for(auditor)

    def counted(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            reply = client.get(path)
            content(reply)
        return len(queries)

    def record_some(i: int) -> None:
        n = NeedFactory(owner=recipient)
        change(n, by=donor, justification=f"change {i}")
        p = PledgeFactory(owner=donor.organisation, need=n, item_type=n.item_type)
        change(p, by=donor, quantity=D(i + 1))
        change(StockPositionFactory(owner=donor.organisation), by=donor, notes=f"note {i}")

    record_some(0)
    client.get("/changes/")  # warm
    few = (counted("/changes/"), counted("/changes/export.csv/"), counted("/"))
    for i in range(1, 8):
        record_some(i)
    assert (counted("/changes/"), counted("/changes/export.csv/"), counted("/")) == few
