"""Pages of organisations (reference data every signed-in user sees): the list and its
exports, an organisation's page; and the pages of a user's second factor (second_factor.py):
entering its code after the password, setting it up, recovery codes, removing it."""
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clearinghouse.core.listing import Column, Listing, attr, detail_link
from clearinghouse.core.views import visible_or_404

from . import queries
from . import second_factor as sf
from .filtersets import OrganisationFilterSet
from .forms import CodeForm


class OrganisationListing(Listing):
    name = "organisations"
    noun = ("organisation", "organisations")
    title = caption = "Organisations"
    filterset_class = OrganisationFilterSet
    export_url_name = "parties:export"
    labels = {"non_lethal_only": "Non-lethal goods only", "code": "Code"}
    columns = (
        Column("Code", attr("code"), sort="code", href=detail_link("parties:detail")),
        Column("Name", attr("name"), sort="name", href=detail_link("parties:detail")),
        Column("Kind", lambda o: o.get_kind_display(), sort="kind"),
        Column("Ally or partner", lambda o: o.get_alliance_status_display(),
               sort="alliance_status"),
        Column("GDP (EUR)", attr("gdp_eur"), sort="gdp_eur"),
        Column("GDP year", attr("gdp_year"), text=lambda o: str(o.gdp_year or "")),
        Column("GDP source", attr("gdp_source")),
    )

    query = staticmethod(queries.organisations)


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    organisation = visible_or_404(
        queries.organisations(user).select_related("parent", "region"), user, pk)
    return render(request, "parties/organisation_detail.html", {"organisation": organisation})


# -- The second factor -------------------------------------------------------------------------

TEMPLATES = "parties/two_factor/"


def _next(request: HttpRequest) -> str:
    """Where to go once the code is entered: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code of the app, or a recovery code."""
    step = sf.owed(request.user)
    if step == sf.ENROL:
        return redirect("accounts:enrol")
    if step is None:
        return HttpResponseRedirect(_next(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        check = sf.check_code(request.user, form.cleaned_data["code"], request)
        if check.device is not None:
            sf.verified(request, check.device)
            if check.device.name == sf.CODES_NAME:
                left = sf.recovery_codes_left(request.user)
                messages.warning(request, f"You used a recovery code: {left} left. Make new "
                                          "ones on the page Two-step sign-in.")
            return HttpResponseRedirect(_next(request))
        if getattr(request, "axes_locked_out", False):
            logout(request)  # the lockout page follows; the password is asked for again
        form.add_error("code", check.problem)
    return render(request, TEMPLATES + "verify.html", {"form": form, "next": _next(request)})


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The account's second factor: whether it has one, its recovery codes left, and the
    buttons to set one up, make new recovery codes or remove it."""
    user = request.user
    return render(request, TEMPLATES + "two_factor.html", {
        "app": sf.app_of(user), "codes_left": sf.recovery_codes_left(user),
        "required": sf.required_for(user),
    })


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Setting up the app: its secret as a QR code and as text, confirmed by a first code;
    then the recovery codes, shown this once."""
    user = request.user
    if sf.has_second_factor(user):
        messages.info(request, "Two-step sign-in is set up already. To move it to another "
                               "phone, remove it, then set it up again.")
        return redirect("accounts:two-factor")
    device = sf.start_app(user)
    form = CodeForm(request.POST or None, recovery=False)
    if form.is_valid():
        # Not counted for the lockout: whoever sets up the app sees its secret.
        check = sf.check_code(user, form.cleaned_data["code"], None, device=device)
        if check.device is not None:
            codes = sf.confirm_app(check.device)
            sf.verified(request, check.device)
            return render(request, TEMPLATES + "codes.html", {"codes": codes, "new": True})
        form.add_error("code", check.problem)
    return render(request, TEMPLATES + "enrol.html", {
        "form": form, "qr": sf.qr_svg(device), "secret": sf.secret_text(device),
        "required": sf.required_for(user),
    })


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes (the old ones stop working), shown this once."""
    if not sf.has_second_factor(request.user):
        return redirect("accounts:two-factor")
    codes = sf.new_recovery_codes(request.user)
    return render(request, TEMPLATES + "codes.html", {"codes": codes, "new": False})


@login_required
def remove(request: HttpRequest) -> HttpResponse:
    """Removing the app and the recovery codes, confirmed by a code."""
    user = request.user
    if not sf.has_second_factor(user):
        return redirect("accounts:two-factor")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        check = sf.check_code(user, form.cleaned_data["code"], request)
        if check.device is not None:
            sf.remove(user)
            messages.success(request, "Two-step sign-in is removed: your password alone signs "
                                      "you in" + (" until you set it up again, which your "
                                                  "role requires." if sf.required_for(user)
                                                  else "."))
            return redirect("accounts:two-factor")
        if getattr(request, "axes_locked_out", False):
            logout(request)
        form.add_error("code", check.problem)
    return render(request, TEMPLATES + "remove.html", {"form": form,
                                                       "required": sf.required_for(user)})
