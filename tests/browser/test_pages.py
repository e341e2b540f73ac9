"""What every page shares, in a real browser: sign in, start pages, banners, large type, keys."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clearinghouse.needs.models import Priority
from clearinghouse.security.roles import Classification

from ..factories import NeedFactory
from ..pages import adopted  # noqa: F401  (a fixture)
from ..planning.world import world  # noqa: F401  (a fixture)
from .conftest import assert_accessible

# Large type for a projector: html.large's font size against the laptop's (app.css: 24px / 16px).
LARGE_TYPE_FACTOR = 1.5
# Each role's start page answers its first question: the heading of its section.
ROLES = {
    "recipient planner": "My needs and how covered they are",
    "donor representative": "My pledges, what is still asked for, my stock floors",
    "coordinator": "The queue and the biggest gaps",
    "auditor": "Recent changes",
    "logistics officer": "What you can see now",  # no section of its own: the overview
}


def banners(page):
    return page.locator(".banner")


def test_sign_in_through_the_form_and_sign_out(as_user, donor, shot):
    donor.set_password("s3cret-pass")
    donor.save()
    page = as_user(None)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page, "login")
    shot(page, "login")

    page.get_by_label("User name").fill(donor.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct")
    expect(page.get_by_label("User name")).to_have_value(donor.username)
    assert_accessible(page, "login-refused")
    shot(page, "refused")

    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header")).to_contain_text(donor.organisation.name)
    shot(page, "signed-in")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


@pytest.mark.parametrize("role", ROLES)
def test_start_page_of_each_role(as_user, user_of_role, role, shot):
    user = user_of_role(role)
    page = as_user(user)
    reply = page.goto("/")
    assert reply.status == 200
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("main h1").first).to_be_visible()
    expect(page.get_by_role("heading", name=ROLES[role], exact=True)).to_be_visible()
    expect(page.locator("header")).to_contain_text(user.organisation.name)
    # Every navigation target (of the pages built so far) answers this user.
    for link in page.get_by_role("navigation", name="Main").get_by_role("link").all():
        if href := link.get_attribute("href"):
            status = page.request.get(href).status
            assert status == 200, f"navigation {link.inner_text()!r} ({href}): HTTP {status}"
    assert_accessible(page, f"start-{role.replace(' ', '-')}")
    shot(page)


def test_banner_top_and_bottom_at_the_page_level(as_user, planner, shot):
    """No classified record in the database: the start page is PUBLIC, above and below."""
    page = as_user(planner)
    page.goto("/")
    expect(banners(page)).to_have_count(2)
    top, bottom = banners(page).first, banners(page).last
    expect(top).to_have_text("PUBLIC")
    expect(bottom).to_have_text("PUBLIC")
    assert top.get_attribute("data-classification") == "0"
    assert bottom.get_attribute("data-classification") == "0"
    # Top comes first in the page and sits at its top; bottom last, below the content.
    box_top, box_main, box_bottom = (x.bounding_box() for x in (top, page.locator("main"),
                                                                 bottom))
    assert box_top["y"] < box_main["y"] < box_bottom["y"]
    assert box_top["y"] <= 1
    shot(page)


def test_banner_rises_to_the_most_classified_record_shown(as_user, coordinator, recipient,
                                                         shot):
    need = NeedFactory(owner=recipient, classification=Classification.CONFIDENTIAL,
                       priority=Priority.CRITICAL)
    NeedFactory(owner=recipient, classification=Classification.COALITION, priority=Priority.LOW)
    page = as_user(coordinator)
    needs = reverse("needs:list")
    for url, level in ((reverse("needs:detail", args=[need.pk]), Classification.CONFIDENTIAL),
                       (needs, Classification.CONFIDENTIAL),
                       (f"{needs}?priority={Priority.LOW.value}", Classification.COALITION),
                       (reverse("catalogue:list"), Classification.PUBLIC)):
        page.goto(url)
        for banner in (banners(page).first, banners(page).last):
            expect(banner).to_have_text(level.label)
            expect(banner).to_have_attribute("data-classification", str(level.value))
    page.goto(reverse("needs:detail", args=[need.pk]))
    shot(page)


def font_size(page) -> float:
    return page.evaluate(
        "parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_large_type_enlarges_the_base_font_size_and_stays(as_user, coordinator, shot):
    page = as_user(coordinator)
    page.goto("/")
    toggle = page.get_by_role("button", name="Large type")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    normal = font_size(page)
    shot(page, "laptop")

    toggle.click()
    expect(page.get_by_role("button", name="Large type")).to_have_attribute("aria-pressed",
                                                                            "true")
    large = font_size(page)
    assert large >= LARGE_TYPE_FACTOR * normal - 0.5, (
        f"large type {large}px is not {LARGE_TYPE_FACTOR} times {normal}px")
    page.reload()  # kept in the session
    assert font_size(page) == large
    assert_accessible(page, "start-large-type")
    shot(page, "projector")

    page.get_by_role("button", name="Large type").click()
    expect(page.get_by_role("button", name="Large type")).to_have_attribute("aria-pressed",
                                                                            "false")
    assert font_size(page) == normal


def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(as_user, donor, shot):
    page = as_user(donor)
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.outerHTML")
    assert "Skip to content" in focused, f"first Tab stop is {focused[:120]}"
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # visible once focused
    shot(page, "skip-link")

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main$"))
    shot(page, "main-focused")


FOCUSED = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  return {id: e.id, tag: e.tagName.toLowerCase(), text: (e.innerText || '').trim(),
          type: e.getAttribute('type') || '',
          name: e.labels && e.labels.length ? e.labels[0].innerText.trim() :
                (e.getAttribute('aria-label') || (e.innerText || '').trim()),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
          inForm: !!e.closest('main form')}; }"""


def test_the_need_form_in_focus_order_with_visible_focus_from_the_keyboard(
        as_user, planner, shot):
    page = as_user(planner)
    page.goto(reverse("needs:create"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    expect(page.locator("main#main")).to_be_focused()
    expected = page.eval_on_selector_all(
        "main form input:not([type=hidden]), main form select, main form textarea, "
        "main form button", "els => els.map(e => e.id || e.innerText.trim())")
    reached = []
    for _ in range(len(expected) + 20):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if not focused["inForm"]:
            continue
        assert focused["name"], f"{focused['tag']}#{focused['id']} has no label"
        # A date input's focus is drawn by Chromium on its day, month or year part.
        assert focused["outline"] or focused["type"] == "date", (
            f"{focused['tag']}#{focused['id']}: no visible focus")
        here = focused["id"] or focused["text"]
        if not reached or reached[-1] != here:  # Tab walks a date input's parts in place
            reached.append(here)
        if focused["tag"] == "button":
            shot(page, "submit-focused")
            break
    assert reached == expected, "focus order differs from the form's order"


@pytest.mark.parametrize("role", ["recipient planner", "coordinator"])
def test_pages_fit_a_phone_without_scrolling_sideways(as_user, user_of_role, role, shot):
    """At 390 px a wide table scrolls inside its own box; the page never widens (the lists,
    the need page's coverage and the history tables widened it to 1,136 px)."""
    from ..factories import PledgeFactory, allocate

    user = user_of_role(role)
    mine = {"owner": user.organisation} if role == "recipient planner" else {}
    need = NeedFactory(justification="A long justification " * 5, **mine)
    allocate(PledgeFactory(need=need, item_type=need.item_type, quantity=need.quantity),
             on_time=False)
    page = as_user(user)
    page.set_viewport_size({"width": 390, "height": 800})
    for url in ("/", "/needs/", "/pledges/", f"/needs/{need.pk}/", "/catalogue/",
                "/organisations/"):
        assert page.goto(url).status == 200, url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width} px wide"
    shot(page, "need-at-390")


def test_every_page_fits_a_phone_as_every_role(as_user, world, adopted):  # noqa: F811
    """Issue 15: every page (found by walking the URL patterns, tests/test_plain_words.py), as
    each role of a world with an adopted plan, is no wider than a 390 px phone, and its menu
    folds behind a button there."""
    from ..pages import page_addresses, readers

    addresses = page_addresses(world, adopted)
    wide, seen = [], 0
    for user in readers(world, one_per_role=True):
        page = as_user(user)
        page.set_viewport_size({"width": 390, "height": 800})
        for address in addresses.values():
            reply = page.goto(address)
            if reply is None or reply.status != 200 or "html" not in reply.headers.get(
                    "content-type", ""):
                continue
            seen += 1
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide.append(f"{user.username} {address}: {width} px")
        page.goto("/")
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        menu.click()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        page.close()
    assert seen > 45, seen
    assert not wide, "\n".join(wide)
