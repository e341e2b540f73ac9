"""axe-core over every page template, as the people who see each one, with records on it.

The sign-in and start pages are checked in test_pages.py and the forms and details on the way
of the flows in test_flows.py; here every list, detail, form and confirmation page once more,
with data in it, so that a template no flow reaches is checked too.
"""

from django.urls import reverse
from playwright.sync_api import expect

from clearinghouse.needs.models import NeedState
from clearinghouse.security.roles import Classification

from ..factories import NeedFactory, PledgeFactory, StockPositionFactory
from .conftest import assert_accessible, node_name, screenshot


def check_all(request, page, pages: dict[str, str]) -> None:
    """Open each page (name: address), screenshot it, and fail once with every problem."""
    problems = []
    for name, url in pages.items():
        reply = page.goto(url)
        if reply is None or reply.status != 200:
            problems.append(f"{name} ({url}): HTTP {reply.status if reply else '-'}")
            continue
        expect(page.locator(".banner")).to_have_count(2)
        screenshot(page, f"{node_name(request)}-{name}")
        try:
            assert_accessible(page, name)
        except AssertionError as error:
            problems.append(f"{name} ({url}):\n{error}")
    assert not problems, "\n\n".join(problems)


def test_every_page_a_donor_sees_is_accessible(request, as_user, donor, recipient):
    need = NeedFactory(owner=recipient, classification=Classification.COALITION)
    pledge = PledgeFactory(owner=donor.organisation, need=need, item_type=need.item_type,
                           classification=Classification.RESTRICTED)
    position = StockPositionFactory(owner=donor.organisation, item_type=need.item_type)
    page = as_user(donor)
    check_all(request, page, {
        "needs-list": reverse("needs:list"),
        "needs-list-filtered": reverse("needs:list") + "?state=open&q=Item",
        "pledges-list": reverse("pledges:list"),
        "stock-list": reverse("pledges:stock-list"),
        "organisations-list": reverse("parties:list"),
        "catalogue-list": reverse("catalogue:list"),
        "need-detail-open": reverse("needs:detail", args=[need.pk]),
        "pledge-detail-own": reverse("pledges:detail", args=[pledge.pk]),
        "pledge-form-edit": reverse("pledges:edit", args=[pledge.pk]),
        "pledge-confirm-withdraw": reverse("pledges:act", args=[pledge.pk, "withdraw"]),
        "stock-detail": reverse("pledges:stock-detail", args=[position.pk]),
        "organisation-detail": reverse("parties:detail", args=[donor.organisation.pk]),
        "catalogue-detail": reverse("catalogue:detail", args=[need.item_type.pk]),
    })


def test_every_page_a_planner_and_a_coordinator_see_is_accessible(
        request, as_user, planner, coordinator):
    draft = NeedFactory(owner=planner.organisation, state=NeedState.DRAFT,
                        classification=Classification.RESTRICTED, release_all_donors=False)
    check_all(request, as_user(planner), {
        "planner-needs-list": reverse("needs:list"),
        "need-detail-draft": reverse("needs:detail", args=[draft.pk]),
        "need-form-edit": reverse("needs:edit", args=[draft.pk]),
        "need-confirm-cancel": reverse("needs:act", args=[draft.pk, "cancel"]),
    })
    submitted = NeedFactory(owner=planner.organisation, state=NeedState.SUBMITTED,
                            classification=Classification.CONFIDENTIAL)
    check_all(request, as_user(coordinator), {
        "coordinator-needs-list": reverse("needs:list") + "?state=submitted",
        "need-detail-confidential": reverse("needs:detail", args=[submitted.pk]),
        "coordinator-pledges-list": reverse("pledges:list"),
    })
