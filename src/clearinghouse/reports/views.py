"""Start pages: each role's first question answered in one look."""

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clearinghouse.core.web import classify
from clearinghouse.security.roles import Role, has_role

from . import changes, dashboards, operator

# (role, section template, what it shows); a user with several roles sees each section.
SECTIONS = (
    (Role.COORDINATOR, "reports/start_coordinator.html", dashboards.coordinator_page),
    (Role.AUDITOR, "reports/start_auditor.html", changes.auditor_page),
    (Role.RECIPIENT_PLANNER, "reports/start_recipient.html", dashboards.recipient_page),
    (Role.DONOR_REPRESENTATIVE, "reports/start_donor.html", dashboards.donor_page),
    # A hub operator's officers, and a receiving unit's: each builder gives None to the other.
    (Role.LOGISTICS_OFFICER, "reports/start_hub.html", dashboards.hub_officer_page),
    (Role.LOGISTICS_OFFICER, "reports/start_unit.html", dashboards.unit_officer_page),
    (Role.ADMINISTRATOR, "reports/start_admin.html", operator.admin_page),
)


@login_required
def start(request: HttpRequest) -> HttpResponse:
    user = request.user
    sections = []
    if user.organisation_id is not None:
        for role, template, build in SECTIONS:
            built = build(user) if has_role(user, role) else None
            if built is not None:
                sections.append({"template": template, "role": role, **built})
    if not sections:
        sections.append({"template": "reports/start_overview.html", "role": None,
                         **dashboards.overview_page(user)})
    context = {"sections": sections}
    classify(context, [SimpleNamespace(classification=s["level"]) for s in sections])
    return render(request, "reports/start.html", context)
