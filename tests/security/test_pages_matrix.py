"""The permission matrix of test_permission_matrix.py, through the HTML lists and their CSV and
XLSX exports: the same world, the same table.

For every role × record: the record is in the list page, the CSV and the XLSX (whole, and
filtered down to it) only where the table says "V" or "V anon"; counts agree; filtering by the
donor finds a pledge only where the table says "V"; where it says "V anon" the donor's name (and
the anonymous pledge's depot) appears nowhere in the page's table, the page outside its filter
form (whose donor menu lists every organisation, public reference data) or the exports.

The hub column has no list page here (there is no logistics list): its cells are checked by
test_permission_matrix.py only.
"""

import csv
import io

import pytest
from python_calamine import CalamineWorkbook

from tests.core.test_exports import split_marking

from .test_permission_matrix import (
    CELLS,
    COLUMNS,
    KINDS,
    ROLES,
    VISIBLE,
    Problems,
    filter_params,
    leaks,
    shows_a_by_name,
)

pytestmark = pytest.mark.django_db

LISTS = {"pledge": "/pledges/", "need": "/needs/", "stock": "/pledges/stock/"}
LISTED_CELLS = [pytest.param(r, c, id=f"{r}-{c}") for r in ROLES for c in COLUMNS
                if KINDS[c][0] in LISTS]
EVERYTHING = {"page_size": 200}


def body(reply) -> bytes:
    return b"".join(reply.streaming_content) if reply.streaming else reply.content


def exported(reply, fmt: str) -> tuple[list[int], str]:
    """The ids of the exported rows, and the export as text (every cell, the marking block
    too: it must leak nothing either). The block is checked and skipped (split_marking)."""
    raw = body(reply)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    else:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(raw)).get_sheet_by_index(0).to_python()
    text = "\n".join("\t".join(str(v) for v in row) for row in rows)
    table = split_marking(rows)[1]
    return [int(r[0]) for r in table[1:]], text


def exported_ids(reply, fmt: str) -> list[int]:
    return exported(reply, fmt)[0]


def without_filter_form(html: str) -> str:
    start = html.find('<form method="get" class="filters"')
    return html if start < 0 else html[:start] + html[html.index("</form>", start) + 7:]


def table(html: str) -> str:
    return html[html.index("<table"):html.index("</table>")]


@pytest.fixture
def page_client(admin_client_for):
    return admin_client_for


@pytest.mark.parametrize(("role", "column"), LISTED_CELLS)
def test_list_pages_and_exports(world, page_client, role, column):
    cell, kind = CELLS[role, column], KINDS[column][0]
    record, visible = world.record(column, role), cell in VISIBLE
    client = page_client(world.users[role])
    url = LISTS[kind]
    p = Problems()

    page = client.get(url, EVERYTHING)
    p.expect("list page", page.status_code == 200, f"status {page.status_code}")
    ids = [row["pk"] for row in page.context["rows"]]
    p.expect("list page", (record.pk in ids) == visible, f"present={record.pk in ids}")
    html = page.content.decode()
    name = record.item_type.name
    p.expect("list table", (f">{name}<" in table(html)) == visible, "item name in the table")

    params = filter_params(kind, record)
    filtered = client.get(url, params)
    p.expect("filtered page", filtered.status_code == 200, f"status {filtered.status_code}")
    found = [row["pk"] for row in filtered.context["rows"]]
    p.expect("filtered page", found == ([record.pk] if visible else []), f"found={found}")
    p.expect("count", filtered.context["count"] == int(visible),
             f"count={filtered.context['count']}")

    # Whole exports are compared with the row of the matrix in test_row_totals_in_lists_and_
    # exports; here each export is filtered down to the record.
    for fmt in ("csv", "xlsx"):
        narrowed = client.get(f"{url}export.{fmt}/", params)
        p.expect(f"{fmt} export", narrowed.status_code == 200, f"status {narrowed.status_code}")
        got, text = exported(narrowed, fmt)
        p.expect(f"{fmt} filtered export", got == ([record.pk] if visible else []), f"{got}")
        if cell == "V anon":
            p.expect(f"{fmt} donor", "anonymous" in text, "not shown as anonymous")
            p.expect(f"{fmt} leak", not leaks(text), f"{leaks(text)}")
            if not shows_a_by_name(role):
                whole_text = exported(client.get(f"{url}export.{fmt}/"), fmt)[1]
                p.expect(f"{fmt} whole leak", not leaks(whole_text), f"{leaks(whole_text)}")

    if kind == "pledge":
        by_donor = {"donor": record.owner_id, "q": record.item_type.name}
        found = [row["pk"] for row in client.get(url, by_donor).context["rows"]]
        p.expect("filter by donor", (record.pk in found) == (cell == "V"), f"found={found}")
        for fmt in ("csv", "xlsx"):
            got = exported_ids(client.get(f"{url}export.{fmt}/", by_donor), fmt)
            p.expect(f"{fmt} by donor", (record.pk in got) == (cell == "V"), f"{got}")
        searched = [row["pk"] for row in client.get(
            url, {"q": record.owner.name}).context["rows"]]
        p.expect("search by donor", (record.pk in searched) == (cell == "V"), f"{searched}")
    if cell == "V anon":
        narrowed_html = filtered.content.decode()
        row = next(r for r in filtered.context["rows"] if r["pk"] == record.pk)
        p.expect("donor cell", row["cells"][1].text == "anonymous" and row["cells"][1].href
                 is None, f"{row['cells'][1]}")
        outside = without_filter_form(narrowed_html)
        p.expect("page leak", not leaks(outside), f"{leaks(outside)}")
        for ordering in ("donor", "-donor"):
            sorted_html = client.get(url, {**params, "ordering": ordering}).content.decode()
            p.expect(f"sorted {ordering} leak", not leaks(without_filter_form(sorted_html)),
                     f"{leaks(without_filter_form(sorted_html))}")
        if not shows_a_by_name(role):
            p.expect("whole page leak", not leaks(table(html)), f"{leaks(table(html))}")
    p.done(role, column)


@pytest.mark.parametrize("role", ROLES)
def test_row_totals_in_lists_and_exports(world, page_client, role):
    """Each list and export holds exactly what the row of the matrix says is visible."""
    client = page_client(world.users[role])
    expected = {kind: set() for kind in LISTS}
    for column in COLUMNS:
        if KINDS[column][0] in LISTS and CELLS[role, column] in VISIBLE:
            expected[KINDS[column][0]].add(world.record(column, role).pk)
    p = Problems()
    for kind, url in LISTS.items():
        page = client.get(url, EVERYTHING)
        ids = {row["pk"] for row in page.context["rows"]}
        p.expect(f"{kind} list", ids == expected[kind], f"{sorted(ids)}")
        p.expect(f"{kind} count", page.context["count"] == len(expected[kind]),
                 f"{page.context['count']}")
        for fmt in ("csv", "xlsx"):
            got, text = exported(client.get(f"{url}export.{fmt}/"), fmt)
            p.expect(f"{kind} {fmt}", sorted(got) == sorted(expected[kind]), f"{sorted(got)}")
            if kind == "pledge" and not shows_a_by_name(role):
                p.expect(f"{kind} {fmt} leak", not leaks(text), f"{leaks(text)}")
    p.done(f"{role}, all records")
