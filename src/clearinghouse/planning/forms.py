"""Forms of the planning pages: run a plan, and describe a what-if.

The what-if form speaks the users' words: donors and hubs are chosen by name, weeks as dates
(a date input, turned into the plan's week here, refused outside the plan's horizon naming the
field); the change it makes is written in the snapshot's own codes (``variants.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms

from clearinghouse.catalogue.models import ItemType
from clearinghouse.core.words import day
from clearinghouse.logistics.models import Hub
from clearinghouse.parties.models import Organisation, User

from .models import Plan
from .snapshot import pk_of
from .variants import KINDS

PRIORITIES = [("", "—"), ("critical", "critical"), ("high", "high"), ("medium", "medium"),
              ("low", "low")]
DATE_FIELDS = ("close_from", "close_to", "add_week")


class RunPlanForm(forms.Form):
    name = forms.CharField(max_length=150, required=False,
                           help_text="Optional; the snapshot's date by default.")
    horizon_weeks = forms.IntegerField(label="Horizon (weeks)", min_value=1, max_value=520,
                                       initial=52, help_text="How far ahead the plan looks.")
    time_limit_s = forms.FloatField(label="Time limit (seconds)", min_value=0.1, max_value=3600,
                                    initial=60, help_text="How long the planner may search.")

    def clean_name(self) -> str:
        """The name given, else one in words: "Snapshot of 6 Dec 2026"."""
        return self.cleaned_data.get("name") or f"Snapshot of {day(date.today())}"


def plan_names(plan: Plan, user: User) -> dict[str, dict[str, str]]:
    """The names of the snapshot's donors, hubs and items, by the codes the snapshot uses, as
    ``user`` sees them: what the what-if form offers and what a what-if's changes are told
    with (a code without a visible name reads as itself)."""
    inst = plan.instance
    # a what-if's own changes name donors its snapshot no longer holds (one withdrawn)
    donors = {p.get("donor") for p in inst.get("pledges", []) + inst.get("funds", [])
              + plan.changes}
    hubs = {h.get("id") for h in inst.get("hubs", [])}
    items = {i.get("id") for i in inst.get("items", []) if str(i.get("id", "")).startswith("I")}
    return {
        "donors": dict(Organisation.objects.visible_to(user).filter(code__in=donors)
                       .values_list("code", "name")),
        "hubs": dict(Hub.objects.visible_to(user).filter(code__in=hubs)
                     .values_list("code", "name")),
        "items": {f"I{pk}": name for pk, name in ItemType.objects.visible_to(user).filter(
            pk__in=[pk_of(i) for i in items]).values_list("pk", "name")},
    }


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):  # an ISO date in the input, as browsers expect
        return value.isoformat() if isinstance(value, date) else value


class WhatIfForm(forms.Form):
    """One form for the kinds of change a what-if may make; each filled group is one change."""

    name = forms.CharField(max_length=150, required=False)
    withdraw_donor = forms.ChoiceField(label="A donor withdraws all its pledges",
                                       required=False)
    close_hub = forms.ChoiceField(label="Close a hub", required=False)
    close_from = forms.DateField(label="from", required=False, widget=DateInput)
    close_to = forms.DateField(label="to", required=False, widget=DateInput)
    priority_need = forms.IntegerField(label="Change the priority of need (its number)",
                                       min_value=1, required=False)
    priority = forms.ChoiceField(label="to", choices=PRIORITIES, required=False)
    add_item = forms.ChoiceField(label="Add a hypothetical pledge of", required=False)
    add_quantity = forms.FloatField(label="quantity", min_value=0.001, required=False)
    add_origin = forms.ChoiceField(label="ready at depot", required=False)
    add_week = forms.DateField(label="ready from", required=False, widget=DateInput)

    def __init__(self, *args, plan: Plan, names: dict[str, dict[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        inst = plan.instance

        def choices(codes, named: dict[str, str]) -> list[tuple[str, str]]:
            return [("", "—")] + sorted(((c, named.get(c, c)) for c in codes),
                                        key=lambda pair: pair[1].lower())

        donors = {p["donor"] for p in inst.get("pledges", []) + inst.get("funds", [])}
        self.fields["withdraw_donor"].choices = choices(donors, names["donors"])
        self.fields["close_hub"].choices = choices({h["id"] for h in inst.get("hubs", [])},
                                                   names["hubs"])
        self.fields["add_item"].choices = choices({i["id"] for i in inst.get("items", [])},
                                                  names["items"])
        self.fields["add_origin"].choices = choices({r["origin"] for r in inst.get("routes", [])},
                                                    {})
        for name in ("withdraw_donor", "close_hub", "add_item", "add_origin"):
            # long names: the select shrinks to the screen (390 px) instead of widening it
            self.fields[name].widget.attrs["style"] = "max-width: 100%"
        self.first, self.last = plan.start_date, self.last_day(plan)
        for name in DATE_FIELDS:
            self.fields[name].widget.attrs.update(min=self.first.isoformat(),
                                                  max=self.last.isoformat())
            self.fields[name].help_text = f"From {day(self.first)} to {day(self.last)}."

    @staticmethod
    def last_day(plan: Plan) -> date:
        return plan.start_date + timedelta(weeks=plan.horizon_weeks) - timedelta(days=1)

    def _week(self, name: str) -> int | None:
        """The plan's week of the date in field ``name``; a date outside the horizon is an
        error of that field."""
        found = self.cleaned_data.get(name)
        if found is None:
            return None
        if not self.first <= found <= self.last:
            raise forms.ValidationError(
                f"Pick a date within the plan, from {day(self.first)} to {day(self.last)}.",
                code="outside_horizon")
        return (found - self.first).days // 7 + 1

    def clean_close_from(self) -> int | None:
        return self._week("close_from")

    def clean_close_to(self) -> int | None:
        return self._week("close_to")

    def clean_add_week(self) -> int | None:
        return self._week("add_week")

    def clean(self) -> dict:
        """Each change complete, its dates in order: one message beside the field missing."""
        d = super().clean()
        wanted = {"close_hub": ("close_from", "close_to"),
                  "add_item": ("add_quantity", "add_origin", "add_week"),
                  "priority_need": ("priority",)}
        for lead, parts in wanted.items():
            if d.get(lead):
                for name in parts:
                    if d.get(name) in (None, "") and name not in self.errors:
                        self.add_error(name, f"Needed for this change: {self.fields[name].label}.")
        first, last = d.get("close_from"), d.get("close_to")
        if first and last and last < first and "close_to" not in self.errors:
            self.add_error("close_to", "Must be on or after the day the hub closes.")
        return d

    def changes(self) -> list[dict]:
        d = self.cleaned_data
        out = []
        if d.get("withdraw_donor"):
            out.append({"kind": "withdraw_donor", "donor": d["withdraw_donor"]})
        if d.get("close_hub"):
            out.append({"kind": "close_hub", "hub": d["close_hub"],
                        "from_week": d.get("close_from"), "to_week": d.get("close_to")})
        if d.get("priority_need"):
            out.append({"kind": "set_priority", "need": f"N{d['priority_need']}",
                        "priority": d.get("priority")})
        if d.get("add_item"):
            out.append({"kind": "add_pledge", "item": d["add_item"],
                        "quantity": d.get("add_quantity"), "origin": d.get("add_origin"),
                        "available_week": d.get("add_week")})
        return out


# The form fields of each change, to put a service's refusal (``changes[i].hub``) beside them.
CHANGE_FIELDS = {
    "withdraw_donor": {"donor": "withdraw_donor"},
    "close_hub": {"hub": "close_hub", "from_week": "close_from", "to_week": "close_to"},
    "set_priority": {"need": "priority_need", "priority": "priority"},
    "add_pledge": {"item": "add_item", "quantity": "add_quantity", "origin": "add_origin",
                   "available_week": "add_week"},
}
assert set(CHANGE_FIELDS) <= set(KINDS)
