"""The issue's flows, end to end in a real browser, by the people who do them.

A recipient planner submits a need; the coordinator validates and opens it; a donor pledges
against it; the coordinator accepts the pledge; the recipient sees the need covered. Then what
must stay hidden stays hidden (an anonymous donor, another donor's confidential pledge), and a
stale edit made in a second tab is refused with the input kept.
"""

import re
from decimal import Decimal
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from clearinghouse.needs.models import Need, NeedState
from clearinghouse.pledges.models import Pledge, PledgeState
from clearinghouse.security.roles import Classification

from ..core.test_exports import split_marking
from ..factories import ItemTypeFactory, NeedFactory, PledgeFactory, RegionFactory, in_days
from .conftest import assert_accessible


def expect_state(page, state: str):
    expect(page.locator("main .tag.state")).to_have_class(re.compile(rf"\bstate-{state}\b"))


def coverage_cell(page, part: str):
    return page.locator(f".coverage-numbers [data-part='{part}']")


def press(page, label: str):
    """Press a lifecycle button and wait until the page (or its main part) is back."""
    with page.expect_response(lambda r: "/act/" in r.url and r.request.method == "POST"):
        page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state()


def field(page, label: str):
    """A form field of the page's main form by its label (the banners are labelled too)."""
    return page.locator("main form").get_by_label(label)


def number(value) -> re.Pattern:
    """A quantity as a number input shows it: 40, 40.0 or 40.000."""
    return re.compile(rf"^{value}(\.0*)?$")


def banner_levels(page) -> list[int]:
    return [int(b.get_attribute("data-classification")) for b in page.locator(".banner").all()]


def test_need_submitted_validated_pledged_accepted_and_covered(
        as_user, planner, donor, coordinator, shot):
    item = ItemTypeFactory(name="155 mm projectile L15A1")
    RegionFactory(code="kharkiv", name="Kharkiv")
    required_by = in_days(120).isoformat()

    # The recipient planner writes the need and submits it.
    recipient = as_user(planner)
    recipient.goto(reverse("needs:create"))
    assert_accessible(recipient, "need-form-new")
    field(recipient, "Item type").select_option(label=item.name)
    field(recipient, "Quantity").fill("40")
    field(recipient, "Priority").select_option(label="critical")
    field(recipient, "Required by").fill(required_by)
    field(recipient, "Region").select_option(label="Kharkiv")
    field(recipient, "Classification").select_option(label="COALITION")
    field(recipient, "releasable to all donors").check()
    shot(recipient, "1-need-form")
    recipient.get_by_role("button", name="Save draft").click()
    expect(recipient).to_have_url(re.compile(r"/needs/\d+/$"))
    need = Need.objects.get()
    assert (need.owner, need.quantity, need.state) == (planner.organisation, Decimal(40),
                                                      NeedState.DRAFT)
    expect_state(recipient, "draft")
    press(recipient, "Submit")
    expect_state(recipient, "submitted")
    assert_accessible(recipient, "need-detail-submitted")
    shot(recipient, "2-need-submitted")

    # The coordinator validates and opens it (opening publishes it to the donors).
    coord = as_user(coordinator)
    coord.goto(reverse("needs:detail", args=[need.pk]))
    press(coord, "Validate")
    expect_state(coord, "validated")
    press(coord, "Open")
    expect_state(coord, "open")
    shot(coord, "3-need-open")

    # A donor pledges against it, from the need's page.
    giver = as_user(donor)
    giver.goto(reverse("needs:detail", args=[need.pk]))
    giver.get_by_role("link", name="Pledge against this need").click()
    expect(giver).to_have_url(re.compile(rf"/pledges/new/\?need={need.pk}$"))
    assert_accessible(giver, "pledge-form-new")
    field(giver, "Kind").select_option(label="new procurement")
    expect(field(giver, "Quantity")).to_have_value(number(40))
    field(giver, "Earliest availability").fill(in_days(30).isoformat())
    field(giver, "releasable to the recipient").check()
    shot(giver, "4-pledge-form")
    giver.get_by_role("button", name="Offer pledge").click()
    expect(giver).to_have_url(re.compile(r"/pledges/\d+/$"))
    pledge = Pledge.objects.get()
    assert (pledge.owner, pledge.need, pledge.state) == (donor.organisation, need,
                                                        PledgeState.OFFERED)
    assert_accessible(giver, "pledge-detail-offered")
    shot(giver, "5-pledge-offered")

    # The coordinator accepts the pledge.
    coord.goto(reverse("pledges:detail", args=[pledge.pk]))
    expect(coord.locator("main")).to_contain_text(donor.organisation.name)
    press(coord, "Accept")
    expect_state(coord, "accepted")
    pledge.refresh_from_db()
    assert pledge.state == PledgeState.ACCEPTED
    assert_accessible(coord, "pledge-detail-accepted")
    shot(coord, "6-pledge-accepted")

    # The recipient sees its need covered: 40 accepted of 40, nothing missing.
    recipient.goto(reverse("needs:detail", args=[need.pk]))
    expect(coverage_cell(recipient, "quantity")).to_have_text("40")
    expect(coverage_cell(recipient, "accepted")).to_have_text("40")
    expect(coverage_cell(recipient, "missing")).to_have_text("0")
    expect(recipient.get_by_role("img", name=re.compile("missing 0 of 40"))).to_be_visible()
    expect(recipient.locator("main")).to_contain_text(donor.organisation.name)
    levels = banner_levels(recipient)
    assert len(levels) == 2 and levels[0] == levels[1]
    assert levels[0] == max(need.classification, pledge.classification)
    assert_accessible(recipient, "need-detail-covered")
    shot(recipient, "7-need-covered")


def test_a_second_donor_sees_an_anonymous_pledge_without_its_donor(
        as_user, donor, second_donor, recipient, shot):
    need = NeedFactory(owner=recipient, classification=Classification.COALITION)
    pledge = PledgeFactory(owner=donor.organisation, need=need, item_type=need.item_type,
                           anonymous=True, release_all_donors=True,
                           classification=Classification.COALITION)
    secret = donor.organisation.name

    other = as_user(second_donor)
    other.goto(reverse("needs:detail", args=[need.pk]))
    row = other.locator("main tr", has_text=f"Pledge {pledge.pk}")
    expect(row).to_contain_text("anonymous")
    expect(other.locator("body")).not_to_contain_text(secret)
    shot(other, "need")

    other.get_by_role("link", name=f"Pledge {pledge.pk}", exact=True).click()
    expect(other).to_have_url(re.compile(rf"/pledges/{pledge.pk}/$"))
    expect(other.locator("main dl")).to_contain_text("anonymous")
    expect(other.locator("body")).not_to_contain_text(secret)
    assert_accessible(other, "pledge-detail-anonymous")
    shot(other, "pledge")

    # Its own donor still sees its name.
    own = as_user(donor)
    own.goto(reverse("pledges:detail", args=[pledge.pk]))
    expect(own.locator("main")).to_contain_text(secret)


def test_a_donor_cannot_open_another_donors_confidential_pledge_by_its_address(
        as_user, donor, second_donor, shot):
    hidden = PledgeFactory(owner=donor.organisation, classification=Classification.RESTRICTED,
                           release_all_donors=False, release_recipient=False)
    page = as_user(second_donor)
    for url in (reverse("pledges:detail", args=[hidden.pk]),
                reverse("pledges:edit", args=[hidden.pk]),
                reverse("pledges:act", args=[hidden.pk, "withdraw"])):
        reply = page.goto(url)
        assert reply.status == 404, f"{url}: HTTP {reply.status}"
        expect(page.locator("body")).not_to_contain_text(donor.organisation.name)
    shot(page, "404")

    # The same address opens for its owner: the 404 is about who asks.
    own = as_user(donor)
    assert own.goto(reverse("pledges:detail", args=[hidden.pk])).status == 200


def test_a_stale_edit_in_a_second_tab_is_refused_and_the_input_kept(as_user, planner, shot):
    need = NeedFactory(owner=planner.organisation, state=NeedState.DRAFT,
                       quantity=Decimal(100), classification=Classification.COALITION)
    first = as_user(planner)
    second = as_user(planner, context=first.context)  # two tabs of one person
    for tab in (first, second):
        tab.goto(reverse("needs:edit", args=[need.pk]))
        expect(field(tab, "Quantity")).to_have_value(number(100))

    field(first, "Quantity").fill("150")
    first.get_by_role("button", name="Save changes").click()
    expect(first).to_have_url(re.compile(rf"/needs/{need.pk}/$"))
    need.refresh_from_db()
    assert need.quantity == Decimal(150)

    field(second, "Quantity").fill("175")
    field(second, "Justification").fill("Counter-battery losses since March.")
    second.get_by_role("button", name="Save changes").click()
    alert = second.locator("[role=alert]").filter(has_text="Someone changed this need")
    expect(alert).to_be_visible()
    expect(field(second, "Quantity")).to_have_value(number(175))
    expect(field(second, "Justification")).to_have_value(
        "Counter-battery losses since March.")
    need.refresh_from_db()
    assert need.quantity == Decimal(150)  # nothing overwritten
    assert_accessible(second, "need-form-stale")
    shot(second, "refused")


def test_a_donor_downloads_the_pledges_it_sees_as_csv_and_xlsx(
        as_user, donor, second_donor, recipient, shot):
    need = NeedFactory(owner=recipient, classification=Classification.COALITION)
    PledgeFactory(owner=donor.organisation, need=need, item_type=need.item_type,
                  anonymous=True, release_all_donors=True, classification=Classification.COALITION,
                  origin_depot="Depot Ulm")
    PledgeFactory(owner=donor.organisation, release_all_donors=False)  # not for others' eyes
    page = as_user(second_donor)
    page.goto(reverse("pledges:list"))
    shot(page, "list")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    # The marking block (classification first, then list, filters, time, user), a blank line,
    # then the table: a header and the one pledge this donor may see.
    block, table = text.split("\n\n", 1)
    assert block.splitlines()[0] == "COALITION", text
    assert f"Exported by,{second_donor.username}" in block.replace('"', "")
    lines = [line for line in table.splitlines() if line.strip()]
    assert len(lines) == 2, text
    assert "anonymous" in text and donor.organisation.name not in text
    assert "Ulm" not in text
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Export XLSX").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    book = CalamineWorkbook.from_path(xlsx_download.value.path())
    rows = book.get_sheet_by_index(0).to_python(skip_empty_area=True)
    block, rows = split_marking(rows)
    assert block[0] == ["COALITION"]
    cells = " ".join(str(cell) for row in rows for cell in row)
    assert len(rows) == 2 and "anonymous" in cells
    assert donor.organisation.name not in cells and "Ulm" not in cells
