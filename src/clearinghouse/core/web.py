"""What every page shares: the classification banner, navigation and display mode."""

from collections.abc import Callable, Iterable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clearinghouse.security.roles import Classification, Role, has_role


def highest_classification(*groups: Iterable) -> int:
    """The level of the most classified record shown: the banner's level (PUBLIC if none)."""
    levels = [r.classification for group in groups for r in group
              if getattr(r, "classification", None) is not None]
    return max(levels, default=Classification.PUBLIC)


def classify(context: dict, *groups: Iterable) -> dict:
    """Raise the page's banner to the most classified record among ``groups``."""
    level = max(context.get("classification", Classification.PUBLIC),
                highest_classification(*groups))
    context["classification"] = level
    return context


NAVIGATION = (
    # (label, url name, roles that see it; empty: every signed-in user)
    ("Start", "start", ()),
    ("Needs", "needs:list", ()),
    ("Pledges", "pledges:list", ()),
    ("Stock", "pledges:stock-list", (Role.DONOR_REPRESENTATIVE, Role.COORDINATOR, Role.AUDITOR)),
    ("Organisations", "parties:list", ()),
    ("Catalogue", "catalogue:list", ()),
    ("Plans", "planning:list", (Role.COORDINATOR, Role.AUDITOR)),
    ("Ask list", "planning:asks", ()),
    ("Shipments", "shipments:list", (Role.COORDINATOR, Role.AUDITOR, Role.DONOR_REPRESENTATIVE,
                                     Role.LOGISTICS_OFFICER)),
    ("Changes", "changes", (Role.COORDINATOR, Role.AUDITOR)),
)


def page(request: HttpRequest) -> dict:
    """Context processor: navigation for the user's roles, display mode, banner default. A
    session that still owes its second factor (parties.second_factor) is shown no navigation:
    it may reach only that step."""
    user = request.user
    owed = getattr(request, "second_factor_owed", None)
    items = [
        (label, name) for label, name, roles in NAVIGATION
        if user.is_authenticated and not owed and (not roles or has_role(user, *roles))
    ]
    return {
        "navigation": items,
        "large_type": request.session.get("large_type", False) if hasattr(request, "session")
        else False,
        "classification": Classification.PUBLIC,
        "Classification": Classification,
    }


def notices(request: HttpRequest) -> dict:
    """Context processor: the reader's unread notices for the header's link, counted (one
    query) only when a page shows it."""
    user = request.user
    if not user.is_authenticated or getattr(request, "second_factor_owed", None):
        return {"unread_notices": 0}
    from .notices import unread_count

    return {"unread_notices": SimpleLazyObject(lambda: unread_count(user))}


@login_required
@require_POST
def toggle_large_type(request: HttpRequest) -> HttpResponseRedirect:
    """Switch between the laptop layout and large type for a projector, then go back."""
    request.session["large_type"] = not request.session.get("large_type", False)
    back = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = "/"
    return HttpResponseRedirect(back)


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    """The glossary: every term the pages link to, explained."""
    from .words import GLOSSARY

    terms = sorted(((key.replace(" ", "-"), label, text) for key, (label, text)
                    in GLOSSARY.items()), key=lambda t: t[1].lower())
    return render(request, "help.html", {"terms": terms})


class NoStoreMiddleware:
    """Every answer of the application may carry assistance data: no browser or proxy keeps
    it (``Cache-Control: no-store``). Static files are answered before this, by WhiteNoise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, no_cache=True, private=True)
        return response
