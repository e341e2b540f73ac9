"""CSV and XLSX exports: exactly the rows the user sees with the filters, over all pages, the
page's columns, cells neutralised against formula injection, numbers as numbers; above the
table a marking block (classification, list, filters, as-of time, who) and in an XLSX file the
same marking in the printed header and footer."""

import csv
import io
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from clearinghouse.core.exports import MARKING_ROWS, neutralise
from clearinghouse.needs.models import NeedState
from clearinghouse.needs.views import NeedListing
from clearinghouse.pledges.models import PledgeKind
from clearinghouse.security.roles import Classification
from tests.conftest import client_for
from tests.factories import (
    ItemTypeFactory,
    NeedFactory,
    OrganisationFactory,
    PledgeFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
C = Classification


def content(reply) -> bytes:
    assert reply.status_code == 200, reply.status_code
    return b"".join(reply.streaming_content) if reply.streaming else reply.content


def csv_rows(reply) -> list[list[str]]:
    assert reply["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(content(reply).decode("utf-8-sig"))))


def xlsx_rows(reply) -> list[list]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content(reply)))
    return book.get_sheet_by_index(0).to_python()


MARKINGS = ("PUBLIC", "COALITION", "RESTRICTED", "CONFIDENTIAL")


def split_marking(rows: list[list]) -> tuple[list[list], list[list]]:
    """An export's marking block and its table (the column header first). The block ends at
    the first blank row, always the same row, and begins with the marking alone."""
    blank = next(i for i, row in enumerate(rows) if all(c in ("", None) for c in row))
    assert blank == MARKING_ROWS - 1, rows[:blank + 1]
    block = [[c for c in row if c not in ("", None)] for row in rows[:blank]]
    assert len(block[0]) == 1 and block[0][0] in MARKINGS, block[0]
    assert [row[0] for row in block[1:]] == ["List", "Filters", "As of", "Exported by"]
    return block, rows[blank + 1:]


def marking_of(rows: list[list]) -> dict:
    """The marking block as {"marking": ..., "List": ..., "Filters": ..., ...}."""
    block, _ = split_marking(rows)
    return {"marking": block[0][0]} | {row[0]: row[1] for row in block[1:]}


def export(client, url: str, fmt: str, params=None) -> list[list]:
    """The table of an export (its header first), the marking block checked and skipped."""
    return split_marking(export_with_marking(client, url, fmt, params))[1]


def export_with_marking(client, url: str, fmt: str, params=None) -> list[list]:
    reply = client.get(f"{url}export.{fmt}/", params or {})
    rows = csv_rows(reply) if fmt == "csv" else xlsx_rows(reply)
    disposition = reply["Content-Disposition"]
    assert "attachment" in disposition and f".{fmt}" in disposition
    return rows


@pytest.fixture
def many_needs(recipient):
    """Seven open needs in Odesa (more than a page of 2), two elsewhere, one invisible."""
    odesa = RegionFactory(code="odesa", name="Odesa")
    shown = [NeedFactory(owner=recipient, region=odesa, quantity=Decimal(i + 1))
             for i in range(7)]
    NeedFactory(owner=recipient, state=NeedState.DRAFT)
    NeedFactory(owner=recipient)
    invisible = NeedFactory(owner=recipient, region=odesa, classification=C.CONFIDENTIAL)
    return shown, invisible


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_needs_export_holds_every_filtered_row_the_user_sees_across_pages(
    many_needs, planner, fmt
):
    shown, invisible = many_needs
    client = client_for(planner)
    params = {"region": "odesa", "state": "open", "ordering": "-quantity", "page_size": 2,
              "page": 2}
    rows = export(client, "/needs/", fmt, params)
    assert rows[0] == [c.label for c in NeedListing.columns]  # the page's columns
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == [n.pk for n in reversed(shown)]  # all pages, in the page's order
    assert invisible.pk not in ids
    page = client.get("/needs/", params)
    assert page.context["count"] == len(ids)


def test_xlsx_numbers_are_numbers_and_dates_dates(many_needs, planner):
    shown, _ = many_needs
    rows = export(client_for(planner), "/needs/", "xlsx", {"region": "odesa",
                                                           "ordering": "quantity"})
    first = rows[1]
    assert first[0] == shown[0].pk and isinstance(first[0], (int, float))
    assert first[2] == 1 and isinstance(first[2], (int, float))
    assert first[3] == "high" and first[5] == "Odesa" and first[7] == "COALITION"
    assert str(first[4])[:10] == shown[0].required_by.isoformat()
    rows = export(client_for(planner), "/needs/", "csv", {"region": "odesa",
                                                          "ordering": "quantity"})
    assert rows[1][2] == "1" and rows[1][4] == shown[0].required_by.isoformat()


INJECTIONS = ['=HYPERLINK("http://evil.example","click")', "+1", "-1", "@SUM(A1:A9)",
              "\tindented", "\rreturn"]


def test_neutralise():
    for text in INJECTIONS:
        assert neutralise(text) == "'" + text
    for text in ("Kyiv", "1-2", "", "a=b"):
        assert neutralise(text) == text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_injection_is_neutralised(coordinator, recipient, donor_org, fmt):
    """A training pledge's course, an item's name, a region's name and a GDP source that a
    spreadsheet would run as formulas come out as text with a leading quote."""
    client = client_for(coordinator)
    courses = []
    for text in INJECTIONS[:4]:
        courses.append(PledgeFactory(owner=donor_org, kind=PledgeKind.TRAINING, item_type=None,
                                     quantity=None, places=3, course=text))
    rows = export(client, "/pledges/", fmt, {"kind": "training", "ordering": "id"})
    items = [r[3] for r in rows[1:]]
    assert items == ["'" + t for t in INJECTIONS[:4]]
    assert [int(r[0]) for r in rows[1:]] == [p.pk for p in courses]  # numbers left alone

    item = ItemTypeFactory(name="@SUM(1+1)*cmd|' /C calc'!A0")
    NeedFactory(owner=recipient, item_type=item, region=RegionFactory(code="x", name="+1 Zone"))
    rows = export(client, "/needs/", fmt, {"item_type": item.pk})
    assert rows[1][1] == "'" + item.name and rows[1][5] == "'+1 Zone"
    assert export(client, "/catalogue/", fmt, {"q": "SUM"})[1][0] == "'" + item.name

    OrganisationFactory(code="EVL", name="Evilland", iso3="EVL", gdp_eur=Decimal(10),
                        gdp_year=2023, gdp_source="-2+3")
    org = export(client, "/organisations/", fmt, {"code": "EVL"})[1]
    assert org[6] == "'-2+3" and float(org[4]) == 10


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_pledge_export_keeps_the_anonymous_donor_hidden(donor_org, fmt):
    reader = UserFactory(organisation=OrganisationFactory(code="SWE", name="Sweden",
                                                          iso3="SWE"))
    anon = PledgeFactory(owner=donor_org, anonymous=True, release_all_donors=True,
                         classification=C.COALITION, origin_depot="Depot Secret")
    rows = export(client_for(reader), "/pledges/", fmt)
    assert [[int(r[0]), r[1]] for r in rows[1:]] == [[anon.pk, "anonymous"]]
    raw = content(client_for(reader).get(f"/pledges/export.{fmt}/"))
    assert b"Germany" not in raw and b"Depot Secret" not in raw
    # Filtering or sorting by donor cannot single it out in an export either.
    assert export(client_for(reader), "/pledges/", fmt, {"donor": donor_org.pk})[1:] == []
    assert export(client_for(reader), "/pledges/", fmt, {"q": "Germany"})[1:] == []


@pytest.mark.parametrize("url", ["/needs/", "/pledges/", "/pledges/stock/", "/organisations/",
                                 "/catalogue/"])
def test_every_list_exports_both_formats_with_the_page_columns(coordinator, url):
    client = client_for(coordinator)
    page = client.get(url)
    labels = [h["label"] for h in page.context["headers"]]
    for fmt in ("csv", "xlsx"):
        assert export(client, url, fmt)[0] == labels
    assert client.get(f"{url}export.pdf/").status_code == 404


def test_export_file_name_has_the_list_and_the_date(coordinator):
    from django.utils import timezone

    reply = client_for(coordinator).get("/pledges/stock/export.csv/")
    today = timezone.localdate().isoformat()
    assert f'filename="stock-positions-{today}.csv"' in reply["Content-Disposition"]
    content(reply)


# --- the marking block ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_marking_is_the_most_classified_row_exported_with_filters_time_and_user(
    recipient, coordinator, fmt
):
    dnipro = RegionFactory(code="dnipro", name="Dnipro")
    NeedFactory(owner=recipient, region=dnipro, classification=C.COALITION, priority=1)
    NeedFactory(owner=recipient, region=dnipro, classification=C.RESTRICTED, priority=2)
    NeedFactory(owner=recipient, classification=C.CONFIDENTIAL, priority=1)  # elsewhere
    coordinator.first_name, coordinator.last_name = "Ada", "Lovelace"
    coordinator.save()
    client = client_for(coordinator)

    rows = export_with_marking(client, "/needs/", fmt, {"region": "dnipro", "priority": 1})
    found = marking_of(rows)
    assert found["marking"] == "COALITION"  # the RESTRICTED and CONFIDENTIAL rows are filtered out
    assert found["List"] == "Needs"
    assert found["Filters"] == "Priority: critical; Region: Dnipro"
    assert found["Exported by"] == "Ada Lovelace, Coordination"
    assert found["As of"].endswith("UTC") and "-" not in found["As of"]  # words, not ISO
    table = split_marking(rows)[1]
    assert table[0] == [c.label for c in NeedListing.columns] and len(table) == 2

    found = marking_of(export_with_marking(client, "/needs/", fmt, {"region": "dnipro"}))
    assert found["marking"] == "RESTRICTED" and found["Filters"] == "Region: Dnipro"
    assert marking_of(export_with_marking(client, "/needs/", fmt))["marking"] == "CONFIDENTIAL"
    # Nothing exported: nothing classified.
    empty = marking_of(export_with_marking(client, "/needs/", fmt, {"q": "no such thing"}))
    assert empty["marking"] == "PUBLIC" and empty["Filters"] == 'Search: no such thing'


def test_marking_names_the_sort_order_and_lists_without_classification_are_public(
    coordinator, recipient
):
    NeedFactory(owner=recipient, classification=C.RESTRICTED)
    client = client_for(coordinator)
    found = marking_of(export_with_marking(client, "/needs/", "csv",
                                           {"ordering": "-required_by"}))
    assert found["Filters"].startswith("Sorted by: ") and "required" in found["Filters"].lower()
    assert "-required_by" not in found["Filters"]
    assert marking_of(export_with_marking(client, "/catalogue/", "csv"))["marking"] == "PUBLIC"


def test_xlsx_prints_the_marking_in_its_header_and_footer(recipient, coordinator):
    import zipfile

    NeedFactory(owner=recipient, classification=C.RESTRICTED)
    raw = content(client_for(coordinator).get("/needs/export.xlsx/"))
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    header = sheet[sheet.index("<oddHeader>"):sheet.index("</oddHeader>")]
    footer = sheet[sheet.index("<oddFooter>"):sheet.index("</oddFooter>")]
    assert "RESTRICTED" in header and "RESTRICTED" in footer and "Needs" in footer
    # The frozen header row is the table's, under the marking block.
    assert f'ySplit="{MARKING_ROWS + 1}"' in sheet


def test_computing_the_marking_reads_no_rows(recipient, coordinator):
    """The level is one aggregate: the export's queries do not grow with its rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            content(client.get("/needs/export.csv/"))
        return len(captured)

    NeedFactory(owner=recipient)
    few = queries()
    for _ in range(5):
        NeedFactory(owner=recipient, classification=C.CONFIDENTIAL)
    assert queries() == few
    levels = [q["sql"] for q in captured_levels(client)]
    assert len(levels) == 1 and "MAX" in levels[0].upper()


def captured_levels(client) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        content(client.get("/needs/export.csv/"))
    return [q for q in captured.captured_queries if '"classification"' in q["sql"]
            and "MAX(" in q["sql"].upper()]
