"""Lifecycle actions on many records at once, from a list page (validate needs, accept or
decline pledges): select, confirm once, then each record through the domain's own service.

The steps, all plain forms (no JavaScript needed):

1. The list page shows a checkbox on each row the reader may act on (the rules, per record, and
   the record's state), a "select all on this page" box and one button per action; or a link
   "all matching these filters", across pages, at most ``CAP`` at a time.
2. GET on the bulk address with the selection (``pick``) or the filters (``matching``): a
   confirmation page listing what will be done, and what will not and why. Nothing changes.
3. POST of the confirmation (each record with the version it was confirmed at): each record in
   turn through the service, one transaction each, so one refusal undoes no other; each change
   is in the record's history under the user (simple-history's request middleware). A result
   page lists what was done and what was refused, with the reason.

Only records the reader sees are touched (``rows(user)``, restricted by ``visible_to``): an id
it may not see is "not found", as one that does not exist. Who may not take the action on any
record (a donor validating needs) gets 403 on the address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from clearinghouse.security.models import require_visible

from .errors import IllegalTransition, StaleEdit
from .views import refusal_text
from .web import classify

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from .lifecycle import StateMachine
    from .listing import Listing

# At most this many records per action: a confirmation page and a request stay a safe size.
CAP = 500
# The bulk address's own parameters; every other one is a filter of the list.
OWN_PARAMS = ("do", "pick", "on_page", "page_all", "matching", "page", "page_size")


@dataclass(frozen=True)
class Outcome:
    pk: int
    text: str
    url: str | None
    reason: str = ""


@dataclass
class Bulk:
    """The bulk actions of one list: ``actions`` (name: button label) of ``machine`` on the
    rows of ``rows(user)``, each applied by ``act(user, record, action, version)``."""

    model: type[Model]
    machine: StateMachine
    actions: dict[str, str]
    rows: Callable[[AbstractBaseUser], QuerySet]
    act: Callable[..., Any]
    describe: Callable[[Any], str]
    listing: type[Listing]
    shortcuts: tuple[tuple[str, str], ...] = ()  # (label, query string) on the list page
    # The actions offered on every record matching the filters, across pages (not those hard
    # to undo, such as declining: those are taken on records selected one by one).
    matching: tuple[str, ...] = ()
    cap: int = CAP
    meta: Any = field(init=False)

    def __post_init__(self) -> None:
        self.meta = self.model._meta

    # -- who may do what -----------------------------------------------------------------------

    def perm(self, action: str) -> str:
        return f"{self.meta.app_label}.{action}_{self.meta.model_name}"

    def allowed(self, user: AbstractBaseUser) -> list[str]:
        """The actions ``user`` may take on some record of this list (the rules)."""
        return [a for a in self.actions if rules.has_perm(self.perm(a), user)]

    def can(self, user: AbstractBaseUser, record: Any, action: str) -> bool:
        return (record.state in self.machine[action].sources
                and rules.has_perm(self.perm(action), user, record))

    def url(self) -> str:
        return reverse(f"{self.meta.app_label}:bulk")

    def noun(self, n: int) -> str:
        return str(self.meta.verbose_name if n == 1 else self.meta.verbose_name_plural)

    # -- the list page -------------------------------------------------------------------------

    def for_listing(self, request: HttpRequest, records: Iterable[Any],
                    filtered: QuerySet) -> dict | None:
        """What the list page shows for bulk actions (None: nothing, for those who may not)."""
        user = request.user
        allowed = self.allowed(user)
        if not allowed:
            return None
        records = list(records)
        query = {k: v for k, v in request.GET.lists() if k not in OWN_PARAMS}
        matching = []
        for action in (a for a in allowed if a in self.matching):
            n = filtered.filter(state__in=self.machine[action].sources).count()
            if n:
                address = urlencode({**query, "do": action, "matching": 1}, doseq=True)
                matching.append({
                    "label": self.actions[action], "count": n, "capped": n > self.cap,
                    "noun": self.noun(n),
                    "url": f"{self.url()}?{address}",
                })
        base = reverse(f"{self.meta.app_label}:list")
        return {
            "url": self.url(),
            "actions": [(a, self.actions[a]) for a in allowed],
            "selectable": {r.pk for r in records if any(self.can(user, r, a) for a in allowed)},
            "matching": matching,
            "cap": self.cap,
            "shortcuts": [(label, f"{base}{q}") for label, q in self.shortcuts],
        }

    # -- the address ---------------------------------------------------------------------------

    def view(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not self.allowed(user):
            raise PermissionDenied(f"You may not act on {self.meta.verbose_name_plural} in bulk.")
        data = request.POST if request.method == "POST" else request.GET
        action = data.get("do", "")
        if action not in self.actions:
            return self.page(request, "choose", action, status=400)
        if not rules.has_perm(self.perm(action), user):
            raise PermissionDenied(f"You may not {action} {self.meta.verbose_name_plural}.")
        if request.method == "POST":
            return self.run(request, action)
        return self.confirm(request, action)

    def confirm(self, request: HttpRequest, action: str) -> HttpResponse:
        """What will be done and what not, for the selection or the filters; nothing changes."""
        user, data = request.user, request.GET
        over = 0
        if data.get("matching") and action in self.matching:
            filterset = self.listing().filterset(request)
            if not filterset.is_valid():
                return self.page(request, "choose", action, status=400,
                                 error="The filters are not valid: go back to the list and "
                                       "correct them.")
            found = self.listing().rows(filterset).filter(
                state__in=self.machine[action].sources)
            total = found.count()
            chosen = list(found[:self.cap])
            over, missing = max(total - self.cap, 0), []
        else:
            wanted = _ids(data.getlist("on_page") if data.get("page_all")
                          else data.getlist("pick"))
            over = max(len(wanted) - self.cap, 0)
            wanted = wanted[:self.cap]
            seen = {r.pk: r for r in self.visible(user).filter(pk__in=wanted)}
            chosen = [seen[pk] for pk in wanted if pk in seen]
            missing = [pk for pk in wanted if pk not in seen]
        will = [r for r in chosen if self.can(user, r, action)]
        wont = [self.outcome(r, self.why_not(user, r, action)) for r in chosen
                if not self.can(user, r, action)]
        wont += [Outcome(pk, f"{self.meta.verbose_name.capitalize()} {pk}", None,
                         "not found") for pk in missing]
        return self.page(request, "confirm", action, records=chosen, will=[
            {**vars(self.outcome(r)), "version": r.version} for r in will], wont=wont,
            over=over)

    def run(self, request: HttpRequest, action: str) -> HttpResponse:
        """Each confirmed record through the service, one transaction each."""
        user = request.user
        picks = _picks(request.POST.getlist("pick"))[:self.cap]
        done, refused, shown = [], [], []
        for pk, version in picks:
            record = self.visible(user).filter(pk=pk).first()
            if record is None or version is None:
                refused.append(Outcome(pk, f"{self.meta.verbose_name.capitalize()} {pk}", None,
                                       "not found" if record is None else "no version given"))
                continue
            shown.append(record)
            try:
                self.act(user, record, action, version)
            except PermissionDenied:
                refused.append(self.outcome(record, f"you may not {action} it"))
            except StaleEdit as error:
                refused.append(self.outcome(record, "someone changed it since you confirmed "
                                                    f"(it is now version {error.current})"))
            except IllegalTransition:
                record.refresh_from_db()
                refused.append(self.outcome(record, f"it is {record.get_state_display()} now"))
            except ValidationError as error:
                refused.append(self.outcome(record, refusal_text(error)))
            else:
                done.append(self.outcome(record))
        return self.page(request, "result", action, records=shown, done=done, refused=refused)

    # -- helpers -------------------------------------------------------------------------------

    def visible(self, user: AbstractBaseUser) -> QuerySet:
        return require_visible(self.rows(user), user)

    def outcome(self, record: Any, reason: str = "") -> Outcome:
        url = reverse(f"{self.meta.app_label}:detail", args=[record.pk])
        return Outcome(record.pk, self.describe(record), url, reason)

    def why_not(self, user: AbstractBaseUser, record: Any, action: str) -> str:
        if record.state not in self.machine[action].sources:
            return f"it is {record.get_state_display()}"
        return f"you may not {action} it"

    def page(self, request: HttpRequest, step: str, action: str, status: int = 200,
             records: Iterable = (), **extra: Any) -> HttpResponse:
        label = self.actions.get(action, "")
        context = {
            "step": step, "action": action, "label": label,
            "verb": label.lower(), "bulk_url": self.url(),
            "back": reverse(f"{self.meta.app_label}:list"),
            "plural": self.meta.verbose_name_plural, "singular": self.meta.verbose_name,
            "cap": self.cap, "choices": [(a, self.actions[a]) for a in self.allowed(request.user)],
            **extra,
        }
        return render(request, "bulk.html", classify(context, records), status=status)


def _ids(values: Iterable[str]) -> list[int]:
    """The distinct whole numbers among ``values``, in order; anything else is ignored."""
    found: dict[int, None] = {}
    for v in values:
        if v.strip().isdigit():
            found.setdefault(int(v))
    return list(found)


def _picks(values: Iterable[str]) -> list[tuple[int, int | None]]:
    """``"pk:version"`` pairs as confirmed, in order, each record once."""
    found: dict[int, int | None] = {}
    for v in values:
        pk, _, version = v.partition(":")
        if pk.strip().isdigit() and int(pk) not in found:
            found[int(pk)] = int(version) if version.strip().isdigit() else None
    return list(found.items())
