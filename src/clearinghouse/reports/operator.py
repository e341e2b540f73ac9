"""The administrator's start page: what it manages, in plain words, with links to the admin.

The platform operator keeps accounts and reference data; it sees no assistance data above its
clearance (DESIGN.md). So this page shows no need, pledge or plan: links to the admin's
sections (each only if the operator may open it), how to check the history chain, and the
state of the worker that solves plans (its queue, and its last heartbeat if one is solving).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from clearinghouse.core import words
from clearinghouse.parties.models import User
from clearinghouse.planning.models import Plan, PlanState
from clearinghouse.security.roles import Classification

# (heading, [(model "app.model", label, what it is for)]): the admin's sections in plain words.
SECTIONS = (
    ("People and organisations", (
        ("parties.user", "Users", "accounts: who belongs to which organisation, their roles, "
                                  "clearance, and two-step sign-in"),
        ("parties.apitoken", "API keys", "who holds a key for the API, until when; revoke one"),
        ("parties.organisation", "Organisations", "donor nations and organisations, the "
                                                  "recipient and its units, hubs' operators"),
        ("parties.region", "Regions", "the recipient's regions that needs are delivered to"),
    )),
    ("Catalogue", (
        ("catalogue.itemtype", "Item types", "what can be asked for and pledged: stock number, "
                                             "unit, value, lethal or not"),
        ("catalogue.compatibilityfamily", "Compatibility families",
         "items that replace one another (every 155 mm NATO projectile)"),
        ("catalogue.capabilityarea", "Capability areas", "air defence, artillery, demining..."),
        ("catalogue.capabilitycoalition", "Capability coalitions",
         "the coalitions and their lead nations"),
    )),
    ("Logistics", (
        ("logistics.hub", "Hubs", "logistics hubs and their weekly capacity"),
        ("logistics.route", "Routes", "from a donor's depot to a hub, in weeks"),
        ("logistics.delivery", "Deliveries", "from a hub to a region, in weeks"),
        ("logistics.hubclosure", "Hub closures", "days a hub handles nothing"),
    )),
)
RECENT = timedelta(days=7)


def _admin_url(user: User, model: str) -> str | None:
    app, name = model.split(".")
    if not (user.is_active and user.is_staff) or not user.has_perm(f"{app}.view_{name}"):
        return None
    try:
        return reverse(f"admin:{app}_{name}_changelist")
    except NoReverseMatch:
        return None


def worker_state() -> dict:
    """The worker's queue (jobs waiting, running, failed lately) and its last heartbeat while
    solving a plan (None when no plan is being solved): no plan's content, only times and
    counts."""
    now = timezone.now()
    counts = dict(DBTaskResult.objects.order_by().values("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED,
                                         finished_at__gte=now - RECENT).count()
    last = DBTaskResult.objects.aggregate(at=Max("finished_at"))["at"]
    beat = Plan.objects.filter(state=PlanState.RUNNING).aggregate(at=Max("heartbeat_at"))["at"]
    return {
        "waiting": counts.get(TaskResultStatus.READY, 0),
        "running": counts.get(TaskResultStatus.RUNNING, 0),
        "failed_recently": failed,
        "last_finished": words.moment(last) if last else None,
        "heartbeat": words.moment(beat) if beat else None,
        "heartbeat_age": int((now - beat).total_seconds()) if beat else None,
    }


def admin_page(user: User) -> dict:
    """The administrator's section: where to manage what, in plain words."""
    sections = []
    for heading, models in SECTIONS:
        links = [{"label": label, "what": what, "url": url} for model, label, what in models
                 if (url := _admin_url(user, model))]
        if links:
            sections.append({"heading": heading, "links": links})
    return {
        "admin_sections": sections,
        "admin_home": reverse("admin:index") if user.is_staff else None,
        "worker": worker_state(),
        "level": Classification.PUBLIC,
    }
