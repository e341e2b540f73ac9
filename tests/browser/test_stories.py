"""Issue 15, each role's day as a story, driven through the pages only (clicks and form fills,
located by role and label as a person finds them): the coordinator validates and accepts in
bulk, runs a plan, reads it and prints the ask list; the donor offers a pledge, sees where an
adopted plan takes its pledges and reads its notices; the recipient planner enters a need and
reads a need's coverage; the auditor filters the change feed and exports it.

Each story checks what the pages changed in the database, that the pages speak in words (no
raw code, no ISO date, no trailing zeros), saves its key pages at 1440 and 390 px wide
(``<output>/browser/test_<role>_story-<page>-<width>.png``) and runs axe-core on its main page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from clearinghouse.core import words
from clearinghouse.core.models import NoticeRead
from clearinghouse.core.notices import unread_count
from clearinghouse.needs.models import Need, NeedState, Priority
from clearinghouse.planning.models import Allocation, Plan
from clearinghouse.pledges import services as pledges_services
from clearinghouse.pledges.models import Pledge, PledgeKind, PledgeState

from ..factories import NeedFactory, PledgeFactory, in_days
from ..pages import adopted  # noqa: F401  (a fixture)
from ..planning.world import world  # noqa: F401  (a fixture)
from .conftest import assert_accessible
from .test_planning import wait_solved

WIDTHS = (1440, 390)
# What a page in words never shows: an ISO date, a number with trailing zeros, a raw code (the
# world's region, hub and organisation codes: "east", "rze", "UKR"; its names are "East",
# "Rzeszow", "Ukraine"; its depots are named "DEU depot 1", so "DEU" may show).
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
TRAILING_ZEROS = re.compile(r"\b\d+\.\d*0\b")
# On failure, which elements of the main part reach past a phone's width.
WIDE_JS = """() => { const out = []; for (const el of document.querySelectorAll('main *')) {
  const r = el.getBoundingClientRect(); if (r.right > 392) out.push(el.tagName + '#' + el.id
  + ' ' + Math.round(r.right)); } return out.slice(0, 8); }"""


def both_widths(page, shot, name: str) -> None:
    """Screenshots of ``page`` as a laptop and a phone show it; back to the laptop after."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if width == 390:  # the phone never scrolls sideways
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 390, (name, wide, page.evaluate(WIDE_JS))
        shot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 800})


def in_words(page, *codes: str) -> str:
    """The main part's text, checked free of ISO dates, trailing zeros and ``codes`` (as whole
    words, case counting)."""
    text = page.locator("main").inner_text()
    assert not ISO_DATE.search(text), ISO_DATE.search(text).group(0)
    assert not TRAILING_ZEROS.search(text), TRAILING_ZEROS.search(text).group(0)
    for code in codes:
        assert not re.search(rf"\b{re.escape(code)}\b", text), code
    return text


def last_changed_by(record) -> object:
    return type(record).history.filter(id=record.pk).latest("history_date").history_user


# --- The coordinator -----------------------------------------------------------------------


def test_coordinator_story(world, as_user, shot):  # noqa: F811
    """Validate the submitted needs and accept the offered pledges in bulk, run a plan and
    read it, find a need by its item, open the ask list and print it."""
    owner = world.critical.owner
    submitted = [NeedFactory(owner=owner, item_type=world.kit, quantity=Decimal(q),
                             region=world.critical.region, state=NeedState.SUBMITTED,
                             required_by=in_days(80)) for q in ("4", "6")]
    offered = [PledgeFactory(owner=world.deu.owner, item_type=world.kit, quantity=Decimal(q),
                             origin_depot="DEU depot 1", earliest_availability=in_days(7))
               for q in ("3", "5")]
    page = as_user(world.coordinator)

    # Needs awaiting validation, both selected, validated in one go.
    page.goto("/needs/")
    page.get_by_role("link", name="needs awaiting validation").click()
    for need in submitted:
        page.get_by_label(f"Select need {need.pk}").check()
    page.get_by_role("button", name="Validate…").first.click()
    expect(page.get_by_role("heading", name="Validate 2 needs?")).to_be_visible()
    for need in submitted:  # nothing changes on the confirmation page
        need.refresh_from_db()
        assert need.state == NeedState.SUBMITTED
    expect(page.locator("#bulk-will tbody tr")).to_have_count(2)
    expect(page.locator("#bulk-will")).to_contain_text("Demining kit")
    both_widths(page, shot, "validate-confirm")
    page.get_by_role("button", name="Yes, validate 2 needs").click()
    expect(page.get_by_role("heading", name="Validate: 2 done, 0 refused")).to_be_visible()
    for need in submitted:
        expect(page.locator("#bulk-done")).to_contain_text(f"Need {need.pk}:")
        need.refresh_from_db()
        assert need.state == NeedState.VALIDATED
        assert last_changed_by(need) == world.coordinator
    in_words(page, "COORD", "UKR", "east")
    assert_accessible(page, "story-bulk-result")
    both_widths(page, shot, "validate-done")

    # Every offered pledge matching the filter, accepted across pages.
    page.get_by_role("link", name="Pledges").first.click()
    page.get_by_role("link", name="pledges awaiting acceptance").click()
    page.get_by_role("link", name="Accept all 2 pledges matching these filters…").click()
    expect(page.get_by_role("heading", name="Accept 2 pledges?")).to_be_visible()
    page.get_by_role("button", name="Yes, accept 2 pledges").click()
    expect(page.get_by_role("heading", name="Accept: 2 done, 0 refused")).to_be_visible()
    for pledge in offered:
        pledge.refresh_from_db()
        assert pledge.state == PledgeState.ACCEPTED
        assert last_changed_by(pledge) == world.coordinator
    both_widths(page, shot, "accept-done")

    # A plan on today's snapshot, solved by the worker while the page watches.
    page.goto("/plans/")
    page.locator("main form").get_by_label("Name").fill("Monday plan")
    page.get_by_role("button", name="Run a plan on today's snapshot").click()
    plan = Plan.objects.get(name="Monday plan")
    expect(page.get_by_role("heading", name=f"Plan {plan.pk}: Monday plan")).to_be_visible()
    wait_solved(page)
    story = page.locator("#plan-story")
    expect(story).to_contain_text("Weighted by priority")
    in_words(page, "COORD", "UKR", "east", "west", "rze")
    expect(page.locator("#value-chart")).to_be_hidden()
    page.locator("#solver-figures summary").click()
    expect(page.locator("#value-chart")).to_be_visible()
    # the needs just validated are in the plan, each by its item's name
    page.get_by_label("Find a need").fill("Demining")
    page.get_by_role("button", name="Find").click()
    rows = page.locator("#plan-needs tbody tr")
    expect(rows).to_have_count(3)  # the world's kit need and the two validated today
    for need in submitted:
        expect(page.locator(f"#plan-needs tr[data-need='{need.pk}']")).to_contain_text(
            "Demining kit")
    expect(page.locator(f"#plan-needs tr[data-need='{world.low.pk}']")).to_have_count(0)
    assert_accessible(page, "story-plan")
    both_widths(page, shot, "plan")

    # The ask list of this plan, and its printable view for the meeting.
    page.goto(f"/plans/{plan.pk}/")
    page.locator("main").get_by_role("link", name="Ask list").click()
    expect(page.get_by_role("heading", name="Ask list", exact=True)).to_be_visible()
    expect(page.locator("main").get_by_role("link", name=f"plan {plan.pk}: Monday plan")
           ).to_be_visible()
    # the low-priority shells for the West are left short: they are asked for, in words
    ask = page.locator(f"#asks tr[data-need='{world.low.pk}']")
    expect(ask).to_contain_text("West")
    expect(ask).to_contain_text("155 mm shell")
    asks = page.locator("#asks tbody tr").count()
    assert asks >= 1
    in_words(page, "west")
    both_widths(page, shot, "asks")
    page.get_by_role("link", name="Printable view").click()
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator(".banner").first).to_be_visible()
    expect(page.locator("#asks tbody tr")).to_have_count(asks)
    in_words(page, "west")
    both_widths(page, shot, "asks-print")


# --- The donor representative --------------------------------------------------------------


def test_donor_representative_story(world, adopted, as_user, shot):  # noqa: F811
    """Offer training places through the form (only that kind's fields shown), see where the
    adopted plan takes a pledge, read the notices and mark them read."""
    rep = world.deu_rep
    page = as_user(rep)
    unread = unread_count(rep)
    assert unread >= 1  # Germany's pledges were allocated by the adoption
    page.goto("/")
    expect(page.locator(".notices-link .count")).to_have_text(f"({unread} unread)")

    # The form shows only the chosen kind's section.
    page.goto("/pledges/new/")
    goods = page.locator("fieldset[data-kinds='stock procurement']")
    funding = page.locator("fieldset[data-kinds='funding']")
    training = page.locator("fieldset[data-kinds='training']")
    page.get_by_label("Kind").select_option(label="new procurement")
    expect(goods).to_be_visible()
    expect(funding).to_be_hidden()
    expect(training).to_be_hidden()
    page.get_by_label("Kind").select_option(label="training places")
    expect(training).to_be_visible()
    expect(goods).to_be_hidden()
    expect(funding).to_be_hidden()
    assert_accessible(page, "story-pledge-form")
    both_widths(page, shot, "pledge-form")
    page.get_by_label("Places").fill("12")
    page.get_by_label("Course").fill("Demining instructors")
    page.get_by_label("Earliest availability").fill(in_days(30).isoformat())
    page.get_by_role("button", name="Offer pledge").click()
    pledge = Pledge.objects.get(owner=rep.organisation, kind=PledgeKind.TRAINING)
    expect(page).to_have_url(re.compile(rf"/pledges/{pledge.pk}/$"))
    assert (pledge.places, pledge.course) == (12, "Demining instructors")
    assert pledge.item_type_id is None and pledge.quantity is None and pledge.amount_eur is None
    assert pledge.state == PledgeState.OFFERED
    assert last_changed_by(pledge) == rep
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Pledge {pledge.pk}: training places, 12 places")
    in_words(page, "east", "west")

    # Where the adopted plan takes Germany's shells: each need, and the month it arrives.
    page.goto(f"/pledges/{world.deu.pk}/")
    table = page.locator("#destinations")
    expect(table).to_contain_text(adopted.name)
    allocations = Allocation.objects.filter(plan=adopted, pledge=world.deu)
    assert allocations.exists()
    expect(table.locator("tbody tr")).to_have_count(allocations.count())
    for a in allocations:
        row = table.locator("tbody tr").filter(
            has=page.get_by_role("link", name=f"Need {a.need_id}", exact=True))
        expect(row).to_contain_text(words.month(adopted.week_start(a.arrival_week)))
        expect(row).to_contain_text(a.need.region.name)
        expect(row.locator("td.num")).to_have_text(words.number(a.quantity))
    in_words(page, "east", "west", "rze")
    both_widths(page, shot, "pledge-destinations")

    # Meanwhile the coordinator accepts the training places: Germany is told.
    pledges_services.act_on_pledge(world.coordinator, pledge, "accept", pledge.version)
    unread += 1
    page.reload()
    expect(page.locator(".notices-link .count")).to_have_text(f"({unread} unread)")

    # The notices: from the header, one marked read, then all.
    page.get_by_role("link", name=re.compile(r"^Notices")).first.click()
    expect(page.get_by_role("heading", name="Notices", exact=True)).to_be_visible()
    adoption = page.locator("li.notice").filter(has_text=f"Plan {adopted.pk} was adopted")
    expect(adoption).to_have_class(re.compile(r"\bunread\b"))
    told = re.compile(rf"^Your pledge {pledge.pk} \(12 training places\) was accepted")
    accepted = page.locator("li.notice.unread").filter(has=page.get_by_role("link", name=told))
    expect(accepted).to_have_count(1)
    in_words(page, "east", "west")
    assert_accessible(page, "story-notices")
    both_widths(page, shot, "notices")
    adoption.get_by_role("button", name=re.compile("^Mark as read")).click()
    expect(adoption).not_to_have_class(re.compile(r"\bunread\b"))
    assert NoticeRead.objects.filter(user=rep).count() == 1
    assert unread_count(rep) == unread - 1
    expect(page.locator(".notices-link .count")).to_have_text(f"({unread - 1} unread)")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("li.notice.unread")).to_have_count(0)
    expect(page.locator(".notices-link .count")).to_have_count(0)
    assert unread_count(rep) == 0
    # read state is each user's own: Poland's representative reads nothing of Germany's
    assert not NoticeRead.objects.filter(user=world.pol_rep).exists()


# --- The recipient planner -----------------------------------------------------------------


def test_recipient_planner_story(world, adopted, as_user, shot):  # noqa: F811
    """Enter a need through the form, then read how covered a need is, in words."""
    planner = world.planner
    page = as_user(planner)
    page.goto("/needs/new/")
    page.get_by_label("Item type").select_option(label="Demining kit")
    page.get_by_label("Quantity").fill("15")
    page.get_by_label("Priority").select_option(label="critical")
    required_by = in_days(45)
    page.get_by_label("Required by").fill(required_by.isoformat())
    page.get_by_label("Region").select_option(label="East")
    page.get_by_label("Justification").fill("Clearing the approach roads before the thaw")
    assert_accessible(page, "story-need-form")
    both_widths(page, shot, "need-form")
    page.get_by_role("button", name="Save draft").click()
    need = Need.objects.get(justification="Clearing the approach roads before the thaw")
    expect(page).to_have_url(re.compile(rf"/needs/{need.pk}/$"))
    assert (need.owner_id, need.item_type, need.quantity, need.priority, need.required_by,
            need.region.name, need.state) == (
        planner.organisation_id, world.kit, Decimal("15"), Priority.CRITICAL, required_by,
        "East", NeedState.DRAFT)
    assert last_changed_by(need) == planner
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Need {need.pk}: 15 × Demining kit")
    expect(page.locator("main")).to_contain_text(words.day(required_by))
    in_words(page, "UKR", "east")

    # The critical need's coverage by the adopted plan: a bar named in words, and numbers.
    critical = world.critical
    page.goto(f"/needs/{critical.pk}/")
    on_time = sum(a.quantity for a in Allocation.objects.filter(
        plan=adopted, need=critical, on_time=True))
    assert on_time > 0
    bar = page.get_by_role("img", name=re.compile(r"^covered "))
    expect(bar).to_have_attribute("aria-label", re.compile(
        rf"^covered {words.number(on_time)}, planned late .* of 100$"))
    cell = page.locator("table.coverage-numbers td")
    expect(cell.and_(page.locator("[data-part='quantity']"))).to_have_text("100")
    expect(cell.and_(page.locator("[data-part='covered']"))).to_have_text(words.number(on_time))
    expect(cell.and_(page.locator("[data-part='missing']"))).to_have_text(
        words.number(max(100 - on_time, 0)))
    expect(page.get_by_role("columnheader", name=f"Covered by {words.day(critical.required_by)}")
           ).to_be_visible()
    in_words(page, "UKR", "east")
    assert_accessible(page, "story-need-coverage")
    both_widths(page, shot, "need-coverage")


# --- The auditor ---------------------------------------------------------------------------


def _changed(record, by, days_ago: int, **fields) -> None:
    """``record`` saved with ``fields``, recorded in its history as ``by`` ``days_ago``."""
    for name, value in fields.items():
        setattr(record, name, value)
    record._history_user = by
    record._history_date = timezone.now() - dt.timedelta(days=days_ago)
    record.save()


def test_auditor_story(world, auditor, as_user, shot):  # noqa: F811
    """Open the change feed, filter it by person, record type and period, export it as CSV."""
    # Everything in the world was made a month ago; then three changes by two people.
    for model in (Need, Pledge):
        model.history.update(history_date=timezone.now() - dt.timedelta(days=30))
    _changed(world.critical, world.coordinator, 3, justification="Raised for the spring")
    _changed(world.low, world.coordinator, 12, justification="Asked again")
    _changed(world.deu, world.coordinator, 2, origin_depot="DEU depot 1, hall 2")
    page = as_user(auditor)
    page.goto("/")
    page.get_by_role("link", name=re.compile("change feed", re.I)).first.click()
    expect(page.get_by_role("heading", name="Change feed")).to_be_visible()
    assert_accessible(page, "story-feed")
    both_widths(page, shot, "feed")

    person = world.coordinator
    page.get_by_label("Person").select_option(value=person.username)
    page.get_by_label("Record type").select_option(label="Need")
    since, until = timezone.localdate() - dt.timedelta(days=7), timezone.localdate()
    page.get_by_label("From").fill(since.isoformat())
    page.get_by_label("Until").fill(until.isoformat())
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_have_text("1 change")
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Need {world.critical.pk}")
    expect(rows.first).to_contain_text("Raised for the spring")
    expect(rows.first).to_contain_text(person.username)
    in_words(page)
    both_widths(page, shot, "feed-filtered")

    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == world.critical.get_classification_display().upper(), lines[0]
    assert [row[0] for row in lines[1:5]] == ["List", "Filters", "As of", "Exported by"]
    assert "Record type: Need" in lines[2][1] and person.username in lines[2][1]
    header = lines[6]
    table = [dict(zip(header, row, strict=True)) for row in lines[7:]]
    assert table, lines
    assert {(r["Who"], r["Record type"], r["Record"]) for r in table} == {
        (person.username, "Need", str(world.critical.pk))}
    assert {r["After"] for r in table} == {"Raised for the spring"}
