"""Forms of the planning pages: run a plan, and describe a what-if."""

from __future__ import annotations

from django import forms

from .variants import KINDS

PRIORITIES = [("", "—"), ("critical", "critical"), ("high", "high"), ("medium", "medium"),
              ("low", "low")]


class RunPlanForm(forms.Form):
    name = forms.CharField(max_length=150, required=False,
                           help_text="Optional; the snapshot's date by default.")
    horizon_weeks = forms.IntegerField(min_value=1, max_value=520, initial=52)
    time_limit_s = forms.FloatField(label="Time limit (s)", min_value=0.1, max_value=3600,
                                    initial=60)


class WhatIfForm(forms.Form):
    """One form for the kinds of change a what-if may make; each filled group is one change."""

    name = forms.CharField(max_length=150, required=False)
    withdraw_donor = forms.ChoiceField(label="A donor withdraws all its pledges",
                                       required=False)
    close_hub = forms.ChoiceField(label="Close a hub", required=False)
    close_from = forms.IntegerField(label="from week", min_value=1, required=False)
    close_to = forms.IntegerField(label="to week", min_value=1, required=False)
    priority_need = forms.IntegerField(label="Change the priority of need", min_value=1,
                                       required=False)
    priority = forms.ChoiceField(label="to", choices=PRIORITIES, required=False)
    add_item = forms.ChoiceField(label="Add a hypothetical pledge of", required=False)
    add_quantity = forms.FloatField(label="quantity", min_value=0.001, required=False)
    add_origin = forms.ChoiceField(label="ready at depot", required=False)
    add_week = forms.IntegerField(label="from week", min_value=1, required=False)

    def __init__(self, *args, instance: dict, item_names: dict, **kwargs):
        super().__init__(*args, **kwargs)
        donors = sorted({p["donor"] for p in instance["pledges"] + instance.get("funds", [])})
        self.fields["withdraw_donor"].choices = [("", "—")] + [(d, d) for d in donors]
        self.fields["close_hub"].choices = [("", "—")] + [(h["id"], h["id"])
                                                          for h in instance["hubs"]]
        items = sorted(instance["items"], key=lambda i: item_names.get(i["id"], i["id"]))
        self.fields["add_item"].choices = [("", "—")] + [
            (i["id"], item_names.get(i["id"], i["id"])) for i in items]
        origins = sorted({r["origin"] for r in instance["routes"]})
        self.fields["add_origin"].choices = [("", "—")] + [(o, o) for o in origins]

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
