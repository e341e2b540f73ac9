"""Two-step sign-in in a real browser on a phone's width (390 px), as a coordinator must use it
in production: the password, then setting up the app from the page (the QR code drawn without
script), the recovery codes, and the next sign-in with a code; each page accessible."""

import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from .conftest import assert_accessible

PASSWORD = "a-long-pass-phrase-1"


def fits(page) -> None:
    """Nothing wider than the screen: no sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url}: {width} px wide"


def app_code(user, ahead=0) -> str:
    device = TOTPDevice.objects.get(user=user)
    digits = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{digits:06d}"


def sign_in(page, user) -> None:
    page.goto("/needs/")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_coordinator_sets_up_the_app_then_signs_in_with_a_code(
        settings, browser, server, coordinator, shot):
    settings.CLEARINGHOUSE_REQUIRE_2FA = True
    coordinator.set_password(PASSWORD)
    coordinator.save()
    context = browser.new_context(base_url=server, locale="en-GB", bypass_csp=False,
                                  viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)
    try:
        sign_in(page, coordinator)
        expect(page).to_have_url(re.compile(r"/accounts/two-factor/set-up/\?next=/needs/$"))
        expect(page.get_by_role("img", name="QR code of the secret key")).to_be_visible()
        fits(page)
        shot(page, "set-up")
        page.get_by_role("textbox", name="Code").fill(app_code(coordinator))
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        expect(page.locator("ul.recovery-codes li")).to_have_count(10)
        fits(page)
        shot(page, "recovery-codes")
        page.get_by_role("link", name="I have kept them: continue").click()
        expect(page.get_by_role("heading", name="The queue and the biggest gaps")).to_be_visible()

        page.get_by_role("button", name="Menu").click()  # folded on a phone
        page.get_by_role("link", name="Two-step sign-in").click()
        expect(page.get_by_text("10 recovery codes left")).to_be_visible()
        fits(page)
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, coordinator)
        expect(page).to_have_url(re.compile(r"/accounts/verify/\?next=/needs/$"))
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        fits(page)
        shot(page, "verify")
        page.get_by_role("textbox", name="Code").fill(app_code(coordinator, ahead=1))
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(re.compile(r"/needs/$"))
        assert not refused, refused
    finally:
        context.close()


def test_the_pages_of_two_step_sign_in_are_accessible(as_user, coordinator):
    page = as_user(coordinator)
    for path, name in (("/accounts/two-factor/", "two-factor"),
                       ("/accounts/two-factor/set-up/", "set-up")):
        assert page.goto(path).status == 200
        assert_accessible(page, name)
    page.get_by_role("textbox", name="Code").fill(app_code(coordinator))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert_accessible(page, "recovery-codes")
    for path, name in (("/accounts/two-factor/", "two-factor-set"),
                       ("/accounts/two-factor/remove/", "remove")):
        assert page.goto(path).status == 200
        assert_accessible(page, name)
    # The code page, as a new session of the same account sees it.
    page = as_user(coordinator)
    assert page.goto("/accounts/verify/").status == 200
    assert_accessible(page, "verify")
