"""The permission matrix of DESIGN.md ("Who sees what"), checked through every read path.

Rows: one user per role, every one cleared RESTRICTED (tests/security/world.py):

    coordinator  coordination command, role coordinator
    auditor      oversight office, role auditor
    planner      the recipient (Ukraine), role recipient planner
    donor_a      donor nation A ("Arcadia"), donor representative: the owning donor
    donor_b      donor nation B ("Borduria"), donor representative: another donor
    logistics    the hub operator that owns the hub, logistics officer
    training     the recipient's training command (a recipient unit), training officer
    admin        platform operator organisation, administrator and Django superuser

Columns: one record each:

    pledge_a      pledge of A, RESTRICTED, releasable to the coordinator only
    pledge_b      pledge of B, the same
    anon_a        anonymous pledge of A, COALITION, releasable to coordinator, all donors and
                  recipient: the goods are seen by all of them, the donor only by A,
                  coordinators and auditors (rule 3)
    confidential  pledge of A, CONFIDENTIAL, releasable to coordinator, all donors and recipient:
                  above every user's clearance, so no one sees it, not even its owner (rule 1)
    need_named_c  need of the recipient, releasable to the coordinator and by name to donor C
                  (who has no user here) only: not releasable to other organisations
    need_open     open need of the recipient, releasable to coordinator, recipient, all donors
    stock_a       stock position of A, RESTRICTED, releasable to the coordinator only
    hub           hub owned by its operator, RESTRICTED, releasable to the coordinator only
    named_to_me   stock position of donor C released by name to the reader's own organisation
                  only (not even to the coordinator audience): the name alone gives need to know

Cells: "-" invisible, "V" visible, "V anon" visible with the donor shown as anonymous.
"""

from collections import Counter

import pytest
from django.urls import reverse

from clearinghouse.security.roles import Classification
from tests.factories import PledgeFactory

from .world import ANON_DEPOT, DONOR_A, KINDS, ROLE_USERS

MATRIX = """
role \\ record | pledge_a | pledge_b | anon_a | confidential | need_named_c | need_open | stock_a | hub | named_to_me
coordinator   | V        | V        | V      | -            | V            | V         | V       | V   | V
auditor       | V        | V        | V      | -            | V            | V         | V       | V   | V
planner       | -        | -        | V anon | -            | V            | V         | -       | -   | V
donor_a       | V        | -        | V      | -            | -            | V         | V       | -   | V
donor_b       | -        | V        | V anon | -            | -            | V         | -       | -   | V
logistics     | -        | -        | -      | -            | -            | -         | -       | V   | V
training      | -        | -        | V anon | -            | -            | V         | -       | -   | V
admin         | -        | -        | -      | -            | -            | -         | -       | -   | V
"""  # noqa: E501


def _parse(text: str) -> tuple[list[str], list[str], dict[tuple[str, str], str]]:
    lines = [[c.strip() for c in line.split("|")] for line in text.strip().splitlines()]
    columns = lines[0][1:]
    roles = [line[0] for line in lines[1:]]
    cells = {
        (line[0], column): cell for line in lines[1:] for column, cell in zip(columns, line[1:],
                                                                          strict=True)
    }
    return roles, columns, cells


ROLES, COLUMNS, CELLS = _parse(MATRIX)
VISIBLE = {"V", "V anon"}

API = {"pledge": "/api/pledges/", "need": "/api/needs/", "stock": "/api/stock-positions/",
       "hub": "/api/hubs/"}
ADMIN = {"pledge": "/admin/pledges/pledge/", "need": "/admin/needs/need/",
         "stock": "/admin/pledges/stockposition/", "hub": "/admin/logistics/hub/"}
SUMMARY = {"pledge": "/api/pledges/summary/", "need": "/api/needs/summary/"}
# What would reveal the donor of a pledge shown as anonymous (PledgeSerializer.DONOR_REVEALING).
DONOR_FIELDS = {"owner", "origin_depot", "stock_position", "below_target_by", "released_to"}
MISSING_PK = 987654321
# A field every reader of the record sees, so a history that hides everything is caught too.
GOODS = {"pledge": "quantity", "need": "quantity", "stock": "quantity_held",
         "hub": "weekly_capacity_pallets"}

pytestmark = pytest.mark.django_db

ALL_CELLS = [pytest.param(r, c, id=f"{r}-{c}") for r in ROLES for c in COLUMNS]
SUMMARISED_CELLS = [p for p in ALL_CELLS if KINDS[p.values[1]][0] in SUMMARY]


def kind_of(column: str) -> str:
    return KINDS[column][0]


def shows_a_by_name(role: str) -> bool:
    """Whether another record the row sees legitimately names donor A (then its name may appear
    on a list page and an absence check of "Arcadia" there proves nothing)."""
    return any(
        CELLS[role, c] == "V" and KINDS[c][1] == "donor_a" for c in COLUMNS if c != "anon_a"
    ) or CELLS[role, "anon_a"] == "V"


def filter_params(kind: str, record) -> dict:
    """A filter that selects the record if (and only if) the reader may see it."""
    if kind in ("pledge", "need"):
        return {"q": record.item_type.name, "state": record.state}
    if kind == "stock":
        return {"q": record.item_type.name, "item_type": record.item_type_id}
    return None  # the hubs API offers no filter or sort: only list, count and detail apply


def leaks(text: str) -> list[str]:
    low = text.lower()
    return [s for s in (DONOR_A, ANON_DEPOT, "u-donor_a") if s.lower() in low]


class Problems(list):
    def expect(self, path: str, ok: bool, detail: str = "") -> None:
        if not ok:
            self.append(f"{path}: {detail}")

    def done(self, role: str, column: str | None = None) -> None:
        what = f"{role} × {column} should be {CELLS[role, column]!r}" if column else role
        assert not self, f"{what}:\n  " + "\n  ".join(self)


def test_the_matrix_is_complete_and_well_formed():
    assert list(ROLE_USERS) == ROLES
    assert list(KINDS) == COLUMNS
    assert set(CELLS.values()) <= {"-", "V", "V anon"}
    # "V anon" only for the anonymous pledge, and its donor then sees it in full.
    assert {c for (r, c), v in CELLS.items() if v == "V anon"} == {"anon_a"}
    assert CELLS["donor_a", "anon_a"] == "V"


@pytest.mark.parametrize(("role", "column"), ALL_CELLS)
def test_api_list_detail_filter_count(world, reader, role, column):
    cell, kind = CELLS[role, column], kind_of(column)
    record, visible = world.record(column, role), CELLS[role, column] in VISIBLE
    client = reader.as_(world.users[role])
    p = Problems()

    listed = client.get(API[kind], {"page_size": 500})
    rows = {row["id"]: row for row in listed.json()["results"]}
    p.expect("list", (record.pk in rows) == visible, f"present={record.pk in rows}")

    detail = client.get(f"{API[kind]}{record.pk}/")
    p.expect("detail", detail.status_code == (200 if visible else 404),
             f"status {detail.status_code}")
    if not visible:
        p.expect("detail 404 body", record_text(record) not in detail.content.decode(),
                 "the error names the record")

    params = filter_params(kind, record)
    filtered = client.get(API[kind], params) if params else listed  # one hub: count is 1 or 0
    p.expect("filter", filtered.status_code == 200, f"status {filtered.status_code}")
    found = [row["id"] for row in filtered.json().get("results", [])]
    p.expect("filter", (record.pk in found) == visible, f"found={found}")
    p.expect("count", filtered.json().get("count") == int(visible),
             f"count={filtered.json().get('count')}")

    if kind == "pledge":
        # Filtering by the donor finds the pledge only where the donor is shown ("V").
        by_donor = client.get(API[kind], {"donor": record.owner_id, "q": record.item_type.name})
        found = [row["id"] for row in by_donor.json().get("results", [])]
        p.expect("filter by donor", (record.pk in found) == (cell == "V"), f"found={found}")
    if kind == "pledge" and visible:
        body = detail.json()
        for where, row in (("list", rows.get(record.pk, {})), ("detail", body)):
            if cell == "V anon":
                p.expect(f"{where} donor", row.get("donor") is None
                         and row.get("donor_name") == "anonymous", f"{row.get('donor')!r}")
                shown = {f: row.get(f) for f in DONOR_FIELDS - {"owner"}}
                p.expect(f"{where} fields", not any(shown.values()), f"{shown}")
            else:
                p.expect(f"{where} donor", row.get("donor") == record.owner_id
                         and row.get("donor_name") == record.owner.name, f"{row.get('donor')!r}")
        if cell == "V anon":
            p.expect("detail leak", not leaks(detail.content.decode()),
                     f"{leaks(detail.content.decode())}")
            if not shows_a_by_name(role):
                p.expect("list leak", not leaks(listed.content.decode()),
                         f"{leaks(listed.content.decode())}")
    p.done(role, column)


@pytest.mark.parametrize(("role", "column"), SUMMARISED_CELLS)
def test_api_aggregates(world, reader, role, column):
    cell, kind = CELLS[role, column], kind_of(column)
    record, visible = world.record(column, role), CELLS[role, column] in VISIBLE
    client = reader.as_(world.users[role])
    p = Problems()
    only_it = {"q": record.item_type.name}

    by_state = client.get(SUMMARY[kind], {**only_it, "group_by": "state"}).json()
    groups = [(g["key"], g["count"]) for g in by_state]
    p.expect("summary by state", groups == ([(record.state, 1)] if visible else []),
             f"{groups}")
    if kind == "pledge":
        by_donor = client.get(SUMMARY[kind], {**only_it, "group_by": "donor"}).json()
        groups = [(g["key"], g["label"], g["count"]) for g in by_donor]
        expected = {
            "-": [],
            "V": [(record.owner_id, record.owner.name, 1)],
            "V anon": [(None, "anonymous", 1)],
        }[cell]
        p.expect("summary by donor", groups == expected, f"{groups}")
    p.done(role, column)


@pytest.mark.parametrize(("role", "column"), ALL_CELLS)
def test_api_history(world, reader, role, column):
    cell, kind = CELLS[role, column], kind_of(column)
    record, visible = world.record(column, role), CELLS[role, column] in VISIBLE
    client = reader.as_(world.users[role])
    p = Problems()

    reply = client.get(f"{API[kind]}{record.pk}/history/")
    p.expect("history", reply.status_code == (200 if visible else 404),
             f"status {reply.status_code}")
    if reply.status_code == 200 and visible:
        entries = reply.json()
        fields = {c["field"] for e in entries for c in e["changes"]}
        p.expect("history goods", GOODS[kind] in fields, f"{sorted(fields)}")
        if cell == "V anon":
            p.expect("history fields", not fields & DONOR_FIELDS, f"{fields & DONOR_FIELDS}")
            who = [(e["who"], e["organisation"]) for e in entries]
            p.expect("history who", who and all(w == ("anonymous", None) for w in who), f"{who}")
            p.expect("history leak", not leaks(reply.content.decode()),
                     f"{leaks(reply.content.decode())}")
        else:
            created = entries[0]["changes"]
            owner = [c["after"] for c in created if c["field"] == "owner"]
            p.expect("history owner", owner == [record.owner_id], f"{owner}")
            author = record.history.earliest().history_user
            p.expect("history who", entries[0]["who"] == (author.username if author else None),
                     f"{entries[0]['who']}")
    p.done(role, column)


@pytest.mark.parametrize(("role", "column"), ALL_CELLS)
def test_admin_changelist_and_change_page(world, admin_client_for, role, column):
    cell, kind = CELLS[role, column], kind_of(column)
    record, visible = world.record(column, role), CELLS[role, column] in VISIBLE
    client = admin_client_for(world.users[role])
    p = Problems()

    changelist = client.get(ADMIN[kind])
    p.expect("changelist", changelist.status_code == 200, f"status {changelist.status_code}")
    if changelist.status_code == 200:
        listed = {obj.pk for obj in changelist.context["cl"].result_list}
        p.expect("changelist", (record.pk in listed) == visible, f"present={record.pk in listed}")
        if cell == "V anon" and not shows_a_by_name(role):
            p.expect("changelist leak", not leaks(changelist.content.decode()),
                     f"{leaks(changelist.content.decode())}")

    change = client.get(f"{ADMIN[kind]}{record.pk}/change/")
    if visible:
        p.expect("change page", change.status_code == 200, f"status {change.status_code}")
        if cell == "V anon":
            p.expect("change page leak", not leaks(change.content.decode()),
                     f"{leaks(change.content.decode())}")
    else:
        # Django admin answers an object outside get_queryset() exactly as a missing one: a
        # redirect to the admin index with "... doesn't exist. Perhaps it was deleted?".
        missing = client.get(f"{ADMIN[kind]}{MISSING_PK}/change/")
        assert (missing.status_code, missing["Location"]) == (302, reverse("admin:index"))
        p.expect("change page", change.status_code == 302
                 and change["Location"] == missing["Location"],
                 f"status {change.status_code} {change.get('Location')}")
    p.done(role, column)


@pytest.mark.parametrize(("role", "column"), ALL_CELLS)
def test_admin_history_pages(world, admin_client_for, role, column):
    """The admin's history list and historical-version pages (django-simple-history)."""
    cell, kind = CELLS[role, column], kind_of(column)
    record = world.record(column, role)
    client = admin_client_for(world.users[role])
    p = Problems()
    version = record.history.earliest().history_id
    pages = {
        "admin history": f"{ADMIN[kind]}{record.pk}/history/",
        "admin historical version": f"{ADMIN[kind]}{record.pk}/history/{version}/",
    }
    # A visible record's history is shown; an invisible one is as absent as a missing one
    # (404), and PledgeAdmin refuses the history of a pledge whose donor is hidden (404).
    for url in (f"{ADMIN[kind]}{MISSING_PK}/history/", f"{ADMIN[kind]}{MISSING_PK}/history/1/"):
        assert client.get(url).status_code == 404
    expected = 200 if cell == "V" else 404
    for path, url in pages.items():
        reply = client.get(url)
        p.expect(path, reply.status_code == expected, f"status {reply.status_code}")
        if cell != "V" and reply.status_code == 200:
            text = reply.content.decode()
            p.expect(f"{path} leak", record_text(record) not in text,
                     f"shows {record_text(record)!r}")
            if cell == "V anon":
                p.expect(f"{path} leak", not leaks(text), f"{leaks(text)}")
    p.done(role, column)


@pytest.mark.parametrize("role", ROLES)
def test_row_totals_lists_counts_and_aggregates(world, reader, admin_client_for, role):
    """Counts and aggregates over everything equal what the row of the matrix says is visible."""
    client = reader.as_(world.users[role])
    admin = admin_client_for(world.users[role])
    expected = {kind: set() for kind in API}
    donors = Counter()
    for column in COLUMNS:
        cell = CELLS[role, column]
        if cell in VISIBLE:
            record = world.record(column, role)
            expected[kind_of(column)].add(record.pk)
            if kind_of(column) == "pledge":
                donors[record.owner_id if cell == "V" else None] += 1
    p = Problems()
    for kind, url in API.items():
        body = client.get(url, {"page_size": 500}).json()
        p.expect(f"{kind} list", {r["id"] for r in body["results"]} == expected[kind],
                 f"{sorted(r['id'] for r in body['results'])} != {sorted(expected[kind])}")
        p.expect(f"{kind} count", body["count"] == len(expected[kind]), f"{body['count']}")
        cl = admin.get(ADMIN[kind]).context["cl"]
        p.expect(f"{kind} admin count", cl.result_count == len(expected[kind]),
                 f"{cl.result_count}")
    by_donor = client.get(SUMMARY["pledge"], {"group_by": "donor"}).json()
    p.expect("pledge summary by donor", {g["key"]: g["count"] for g in by_donor} == donors,
             f"{by_donor}")
    anonymous = [g["label"] for g in by_donor if g["key"] is None]
    p.expect("pledge summary label", anonymous in ([], ["anonymous"]), f"{anonymous}")
    by_state = client.get(SUMMARY["pledge"], {"group_by": "state"}).json()
    p.expect("pledge summary by state", sum(g["count"] for g in by_state)
             == len(expected["pledge"]), f"{by_state}")
    needs = client.get(SUMMARY["need"], {"group_by": "state"}).json()
    p.expect("need summary", sum(g["count"] for g in needs) == len(expected["need"]), f"{needs}")
    p.done(f"{role}, all records")


# -- beyond the matrix: a visible record must not show the invisible records it refers to --------

def test_a_visible_pledge_does_not_show_the_invisible_need_and_stock_position_it_refers_to(
    world, reader, admin_client_for
):
    """A's pledge is released to all donors; the need it answers (released to donor C only) and
    the stock position it draws on (coordinator only) are not visible to donor B. B sees the
    pledge but neither reference: not in the detail, not in its history, not in the admin."""
    position, need = world.records["stock_a"], world.records["need_named_c"]
    pledge = PledgeFactory(
        owner=world.orgs["donor_a"], kind="stock", item_type=position.item_type, need=need,
        classification=Classification.COALITION, release_all_donors=True,
    )
    pledge.stock_position = position  # as accepting it does
    pledge.save()
    b = world.users["donor_b"]
    body = reader.as_(b).get(f"/api/pledges/{pledge.pk}/").json()
    assert (body["need"], body["stock_position"]) == (None, None)

    p = Problems()
    entries = reader.as_(b).get(f"/api/pledges/{pledge.pk}/history/").json()
    shown = [(c["field"], c["before"], c["after"]) for e in entries for c in e["changes"]
             if c["field"] in ("need", "stock_position")]
    p.expect("API history", all(b is None and a is None for _, b, a in shown), f"{shown}")
    client = admin_client_for(b)
    for url in (f"/admin/pledges/pledge/{pledge.pk}/history/",
                f"/admin/pledges/pledge/{pledge.pk}/history/{pledge.history.latest().history_id}/",
                f"/admin/pledges/pledge/{pledge.pk}/change/"):
        reply = client.get(url)
        text = reply.content.decode()
        p.expect(url, reply.status_code == 200, f"status {reply.status_code}")
        # The stock position's str is "Arcadia holds 1000.000 × Widget-stock_a".
        p.expect(url, f"{DONOR_A} holds" not in text, "shows the stock position")
        p.expect(url, f"Need {need.pk}:" not in text, "shows the need")
    p.done("donor_b reading the pledge's references")
    # Control: the coordinator sees both references, in the history too.
    entries = reader.as_(world.users["coordinator"]).get(
        f"/api/pledges/{pledge.pk}/history/"
    ).json()
    changes = {(c["field"], c["after"]) for e in entries for c in e["changes"]}
    assert {("need", need.pk), ("stock_position", position.pk)} <= changes


def record_text(record) -> str:
    """Text that identifies the record on a page: its item's name, or the hub's name."""
    return record.name if hasattr(record, "name") else record.item_type.name
