"""An anonymous pledge: no filter, sort, search, export-like path or count reveals its donor
to anyone but its own organisation, coordinators and auditors (DESIGN.md, rule 3)."""

from decimal import Decimal

import pytest

from clearinghouse.pledges.models import PledgeKind
from clearinghouse.security.roles import Classification
from tests.factories import PledgeFactory, StockPositionFactory

from .world import ANON_DEPOT, DONOR_A, build_world

pytestmark = pytest.mark.django_db

HIDDEN_FROM = ["donor_b", "planner"]  # see the goods, not the donor
SEES_DONOR = ["donor_a", "coordinator", "auditor"]
DONOR_FIELDS = {"owner", "origin_depot", "stock_position", "below_target_by", "released_to"}
EVERYONE = {"release_coordinator": True, "release_recipient": True, "release_all_donors": True}


@pytest.fixture
def w(db):
    """The world of the matrix, plus: a stock position of A that every donor and the recipient
    see, the anonymous pledge drawn from it, a non-anonymous pledge of A from it, and an
    anonymous pledge of C (so that an anonymous pledge is never the only null donor)."""
    w = build_world()
    o = w.orgs
    anon = w.records["anon_a"]
    shared = StockPositionFactory(
        owner=o["donor_a"], item_type=anon.item_type, classification=Classification.COALITION,
        quantity_held=Decimal("100"), target_minimum=Decimal("0"), **EVERYONE,
    )
    anon.stock_position = shared
    anon.save()
    w.records["shared_stock"] = shared
    w.records["a_public"] = PledgeFactory(
        owner=o["donor_a"], kind=PledgeKind.STOCK, item_type=anon.item_type,
        stock_position=shared, quantity=Decimal("5"), origin_depot="Depot Alpha-2",
        classification=Classification.COALITION, **EVERYONE,
    )
    w.records["c_anon"] = PledgeFactory(
        owner=o["donor_c"], anonymous=True, origin_depot="Depot Gamma-3",
        classification=Classification.COALITION, **EVERYONE,
    )
    return w


def ids(reply) -> list[int]:
    assert reply.status_code == 200, reply.content
    return [row["id"] for row in reply.json()["results"]]


def a_id(w) -> int:
    return w.orgs["donor_a"].pk


@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_filter_by_donor_finds_only_the_donors_named_pledges(w, api, role):
    client = api.as_(w.users[role])
    reply = client.get("/api/pledges/", {"donor": a_id(w)})
    assert ids(reply) == [w.records["a_public"].pk]
    assert reply.json()["count"] == 1
    by_state = client.get("/api/pledges/summary/", {"donor": a_id(w), "group_by": "state"})
    assert sum(g["count"] for g in by_state.json()) == 1
    both = client.get("/api/pledges/", {"donor": a_id(w), "anonymous": "true"})
    assert ids(both) == [] and both.json()["count"] == 0


@pytest.mark.parametrize("role", SEES_DONOR)
def test_its_own_donor_coordinators_and_auditors_find_it_by_donor(w, api, role):
    reply = api.as_(w.users[role]).get("/api/pledges/", {"donor": a_id(w)})
    found = ids(reply)
    assert w.records["anon_a"].pk in found and w.records["a_public"].pk in found
    assert reply.json()["count"] == len(found)


@pytest.mark.parametrize("direction", ["donor", "-donor"])
@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_sorting_by_donor_places_it_among_the_hidden_donors(w, api, role, direction):
    rows = api.as_(w.users[role]).get("/api/pledges/", {"ordering": direction}).json()["results"]
    donors = [row["donor"] for row in rows]
    nulls = [i for i, d in enumerate(donors) if d is None]
    # The hidden donors form one block at one end (NULLs sort first or last by database) ...
    assert len(nulls) == 2
    assert nulls in ([0, 1], [len(rows) - 2, len(rows) - 1]), donors
    # ... the anonymous pledge of A is in it, and the named donors are in order.
    assert {rows[i]["id"] for i in nulls} == {w.records["anon_a"].pk, w.records["c_anon"].pk}
    named = [d for d in donors if d is not None]
    assert named == sorted(named, reverse=direction.startswith("-"))


@pytest.mark.parametrize("role", SEES_DONOR)
def test_sorting_by_donor_places_it_with_its_donor_for_those_who_see_it(w, api, role):
    rows = api.as_(w.users[role]).get("/api/pledges/", {"ordering": "donor"}).json()["results"]
    donors = [row["donor"] for row in rows]
    block = [i for i, d in enumerate(donors) if d == a_id(w)]
    assert block == list(range(block[0], block[0] + len(block)))  # contiguous
    assert w.records["anon_a"].pk in {rows[i]["id"] for i in block}


@pytest.mark.parametrize("sort", ["owner", "owner__name", "origin_depot", "stock_position"])
@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_sorting_by_a_donor_revealing_field_is_refused_or_ignored(w, api, role, sort):
    client = api.as_(w.users[role])
    default = ids(client.get("/api/pledges/"))
    reply = client.get("/api/pledges/", {"ordering": sort})
    assert reply.status_code == 400 or ids(reply) == default


@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_search_by_donor_name_or_origin_depot_does_not_find_it(w, api, role):
    client = api.as_(w.users[role])
    for term in (DONOR_A, DONOR_A.upper(), DONOR_A[:4].lower()):
        assert ids(client.get("/api/pledges/", {"q": term})) == [w.records["a_public"].pk]
    for term in (ANON_DEPOT, "zeta"):
        reply = client.get("/api/pledges/", {"q": term})
        assert ids(reply) == [] and reply.json()["count"] == 0
    # The goods themselves are searchable: the pledge is there, only its donor is hidden.
    found = ids(client.get("/api/pledges/", {"q": w.records["anon_a"].item_type.name}))
    assert w.records["anon_a"].pk in found


@pytest.mark.parametrize("role", SEES_DONOR)
def test_search_by_donor_name_or_depot_finds_it_for_those_who_see_the_donor(w, api, role):
    client = api.as_(w.users[role])
    assert w.records["anon_a"].pk in ids(client.get("/api/pledges/", {"q": DONOR_A}))
    assert ids(client.get("/api/pledges/", {"q": "zeta"})) == [w.records["anon_a"].pk]


@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_summary_by_donor_counts_it_under_anonymous(w, api, role):
    client = api.as_(w.users[role])
    groups = {g["key"]: (g["label"], g["count"]) for g in
              client.get("/api/pledges/summary/", {"group_by": "donor"}).json()}
    assert groups[None] == ("anonymous", 2)
    assert groups[a_id(w)] == (DONOR_A, 1)
    assert sum(count for _, count in groups.values()) == client.get("/api/pledges/").json()["count"]


@pytest.mark.parametrize("role", SEES_DONOR)
def test_summary_by_donor_counts_it_under_its_donor_for_those_who_see_it(w, api, role):
    groups = {g["key"]: (g["label"], g["count"]) for g in
              api.as_(w.users[role]).get("/api/pledges/summary/", {"group_by": "donor"}).json()}
    assert groups[a_id(w)] == (DONOR_A, 3)  # pledge_a, a_public and the anonymous one


@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_detail_and_browsable_api_hide_the_donor(w, api, role):
    client = api.as_(w.users[role])
    url = f"/api/pledges/{w.records['anon_a'].pk}/"
    body = client.get(url).json()
    assert (body["donor"], body["donor_name"]) == (None, "anonymous")
    assert {f: body[f] for f in DONOR_FIELDS - {"owner"}} == {
        "origin_depot": None, "stock_position": None, "below_target_by": None, "released_to": [],
    }
    assert body["quantity"] == "12.000"  # the goods are shown
    for page in (client.get(url, {"format": "api"}),
                 client.get("/api/pledges/", {"format": "api", "page_size": 500})):
        assert page.status_code == 200
        assert ANON_DEPOT not in page.content.decode()


@pytest.mark.parametrize("role", SEES_DONOR)
def test_its_own_donor_coordinators_and_auditors_see_the_donor(w, api, role):
    body = api.as_(w.users[role]).get(f"/api/pledges/{w.records['anon_a'].pk}/").json()
    assert (body["donor"], body["donor_name"]) == (a_id(w), DONOR_A)
    assert body["origin_depot"] == ANON_DEPOT
    assert body["stock_position"] == w.records["shared_stock"].pk


@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_history_is_masked(w, api, role):
    reply = api.as_(w.users[role]).get(f"/api/pledges/{w.records['anon_a'].pk}/history/")
    assert reply.status_code == 200
    entries = reply.json()
    assert [e["type"] for e in entries][:2] == ["created", "changed"]
    assert all((e["who"], e["organisation"]) == ("anonymous", None) for e in entries)
    fields = {c["field"] for e in entries for c in e["changes"]}
    assert "quantity" in fields and not fields & DONOR_FIELDS
    text = reply.content.decode()
    assert DONOR_A not in text and ANON_DEPOT not in text and "u-donor_a" not in text


@pytest.mark.parametrize("role", SEES_DONOR)
def test_history_shows_the_donor_to_those_who_see_it(w, api, role):
    entries = api.as_(w.users[role]).get(
        f"/api/pledges/{w.records['anon_a'].pk}/history/"
    ).json()
    assert (entries[0]["who"], entries[0]["organisation"]) == ("u-donor_a", DONOR_A)
    owner = [c["after"] for c in entries[0]["changes"] if c["field"] == "owner"]
    assert owner == [a_id(w)]


@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_stock_position_committed_does_not_count_it(w, api, role):
    """A's stock position is released to every donor and the recipient; its ``committed``
    total must not include the anonymous pledge drawn from it, or the shared item and
    quantity would name its donor (rules 3 and 5: aggregates over what the reader sees)."""
    shared = w.records["shared_stock"]
    body = api.as_(w.users[role]).get(f"/api/stock-positions/{shared.pk}/").json()
    assert body["committed"] is None or Decimal(body["committed"]) == Decimal("5")


@pytest.mark.parametrize("role", SEES_DONOR)
def test_stock_position_committed_counts_it_for_those_who_see_the_donor(w, api, role):
    shared = w.records["shared_stock"]
    body = api.as_(w.users[role]).get(f"/api/stock-positions/{shared.pk}/").json()
    assert Decimal(body["committed"]) == Decimal("17")


# Hand-written changelist lookups on what would name the donor (DONOR_REVEALING).
ADMIN_LOOKUPS = [
    ("owner", "A"), ("owner__id__exact", "A"), ("owner_id", "A"), ("owner_id__exact", "A"),
    ("owner_id__in", "A"), ("stock_position", "stock"), ("stock_position_id", "stock"),
    ("origin_depot__icontains", "zeta"),
]


@pytest.mark.parametrize(("lookup", "value"), ADMIN_LOOKUPS, ids=[lk for lk, _ in ADMIN_LOOKUPS])
@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_admin_changelist_cannot_be_filtered_by_the_hidden_donor(w, admin_client_for, role,
                                                                 lookup, value):
    """The admin offers no donor filter to these readers; a hand-written one in the URL must
    not single the anonymous pledge out either (refused, or not matching it)."""
    client = admin_client_for(w.users[role])
    value = {"A": a_id(w), "stock": w.records["shared_stock"].pk}.get(value, value)
    reply = client.get("/admin/pledges/pledge/", {lookup: value})
    if reply.status_code == 200:
        found = {p.pk for p in reply.context["cl"].result_list}
        assert w.records["anon_a"].pk not in found, f"?{lookup}={value} found {found}"
    else:
        assert reply.status_code in (302, 400)  # ?e=1 redirect or DisallowedModelAdminLookup


@pytest.mark.parametrize("role", ["coordinator", "auditor"])
def test_admin_changelist_filters_by_donor_for_coordinators_and_auditors(w, admin_client_for,
                                                                          role):
    reply = admin_client_for(w.users[role]).get(
        "/admin/pledges/pledge/", {"owner__id__exact": a_id(w)}
    )
    found = {p.pk for p in reply.context["cl"].result_list}
    assert w.records["anon_a"].pk in found and w.records["pledge_b"].pk not in found


@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_admin_search_sort_and_pages_do_not_reveal_it(w, admin_client_for, role):
    client = admin_client_for(w.users[role])
    anon = w.records["anon_a"]
    searched = client.get("/admin/pledges/pledge/", {"q": DONOR_A})
    assert anon.pk not in {p.pk for p in searched.context["cl"].result_list}
    only_anonymous = client.get("/admin/pledges/pledge/", {"anonymous__exact": "1", "o": "2"})
    listed = {p.pk for p in only_anonymous.context["cl"].result_list}
    assert listed == {anon.pk, w.records["c_anon"].pk}
    for page in (only_anonymous, client.get(f"/admin/pledges/pledge/{anon.pk}/change/")):
        assert page.status_code == 200
        text = page.content.decode()
        assert DONOR_A not in text and ANON_DEPOT not in text
    assert client.get(f"/admin/pledges/pledge/{anon.pk}/history/").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "donor_a"])
def test_admin_change_page_names_the_donor_to_those_who_see_it(w, admin_client_for, role):
    page = admin_client_for(w.users[role]).get(
        f"/admin/pledges/pledge/{w.records['anon_a'].pk}/change/"
    )
    assert page.status_code == 200 and ANON_DEPOT in page.content.decode()
