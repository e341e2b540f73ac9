"""Partial updates with htmx: the page's main part is swapped, focus follows, refusals show."""

from playwright.sync_api import expect

from clearinghouse.needs.models import Need, NeedState

from ..factories import NeedFactory


def test_an_action_swaps_main_in_place_and_moves_focus_there(as_user, coordinator, shot):
    need = NeedFactory(state=NeedState.SUBMITTED)
    page = as_user(coordinator)
    page.goto(f"/needs/{need.pk}/")
    page.evaluate("window.__kept = true")  # survives only if the page is not reloaded
    page.get_by_role("button", name="Validate", exact=True).click()
    expect(page.locator("main [role=status]")).to_contain_text("Validated")
    assert page.evaluate("window.__kept === true")
    # Focus moves when htmx has loaded the new content, just after it is shown.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'",
                           timeout=5000)
    shot(page, "validated")
    assert Need.objects.get(pk=need.pk).state == NeedState.VALIDATED


def test_a_refused_action_shows_its_reason_in_place(as_user, coordinator, shot):
    # Released to the coordinator's organisation by name: still visible once the role is gone.
    need = NeedFactory(state=NeedState.SUBMITTED, released_to=[coordinator.organisation])
    page = as_user(coordinator)
    page.goto(f"/needs/{need.pk}/")
    coordinator.roles = []  # the right is withdrawn while the page is open
    coordinator.save()
    with page.expect_response(lambda r: "/act/" in r.url) as reply:
        page.get_by_role("button", name="Validate", exact=True).click()
    assert reply.value.status == 403
    expect(page.locator("main h1")).to_have_text("Not allowed")
    shot(page, "refused")
    assert Need.objects.get(pk=need.pk).state == NeedState.SUBMITTED
