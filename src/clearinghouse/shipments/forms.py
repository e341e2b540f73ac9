"""The forms of a shipment's page: one per step the reader may take now (docs/shipments.md,
Pages). Each carries the shipment's version (a stale form is refused) and turns its fields
into the arguments of ``services`` or ``receipts``; a refusal of the service is put back on
the field it names (``shipped.12`` on "Shipped" of line 12), so the reader sees where.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from clearinghouse.core.words import number

from .models import ReceiptReason, Resolution, ShipmentLine

# What the page says once a step is recorded.
DONE = {"ready": "marked ready", "depart": "departure recorded", "delay": "delay told",
        "arrive_at_hub": "arrival at the hub recorded", "hand_over": "taken over from the hub",
        "receive": "count recorded", "verify": "count verified", "cancel": "cancelled",
        "split": "split"}
# Step -> (button, what it does in a sentence).
STEPS = {
    "ready": ("Mark ready", "The goods are ready at the depot."),
    "depart": ("Record the departure", "The goods left the depot: say how many of each line "
                                       "left (what did not returns to its pledge)."),
    "delay": ("Tell a delay", "The shipment will reach its hub on another day: its expected "
                              "dates move."),
    "arrive_at_hub": ("Record arrival at the hub", "The hub took custody of the goods."),
    "hand_over": ("Take over from the hub", "The receiving unit took custody at the hub."),
    "receive": ("Record the count", "Count every line: accepted, short, damaged, wrong item, "
                                    "adding up to what left; say why where they differ."),
    "verify": ("Verify the count", "The count is checked: the accepted goods count as "
                                   "delivered."),
    "cancel": ("Cancel the shipment", "Nothing leaves: the goods return to their pledges for "
                                      "the next plan."),
    "split": ("Split the shipment", "Move part of the lines onto a new shipment with the same "
                                    "route, to move or delay it on its own."),
}
DATED = ("ready", "depart", "arrive_at_hub", "hand_over", "receive", "verify")
COUNTS = (("accepted", "Accepted"), ("short", "Short"), ("damaged", "Damaged"),
          ("wrong_item", "Wrong item"))


class DateInput(forms.DateInput):
    input_type = "date"


def _line_name(line: ShipmentLine) -> str:
    return f"line {line.pk}: {line.item_type.name} for need {line.need_id}"


def _quantity_field(line: ShipmentLine, label: str, initial, most,
                    required: bool) -> forms.DecimalField:
    whole = bool(line.item_type.indivisible)
    return forms.DecimalField(
        label=label, min_value=0, max_digits=14, decimal_places=0 if whole else 3,
        initial=f"{Decimal(initial).normalize():f}" if initial is not None else None,
        required=required, help_text=f"At most {number(most, whole=whole)}." if most is not None
        else "", widget=forms.NumberInput(attrs={"step": "1" if whole else "any", "min": "0"}))


class StepForm(forms.Form):
    """The form of one step of a shipment; its fields depend on the step and the lines."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, step: str, lines: list[ShipmentLine], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.step, self.lines = step, lines
        self.auto_id = f"{step}-%s"
        self.button, self.explanation = STEPS[step]
        self.line_fields: list[tuple[ShipmentLine, list[str]]] = []
        if step in DATED:
            self.fields["happened_on"] = forms.DateField(
                label="On", required=False, widget=DateInput,
                help_text="The day it happened; today if left empty.")
        if step == "delay":
            self.fields["hub_on"] = forms.DateField(label="Now expected at the hub on",
                                                    widget=DateInput)
        if step == "depart":
            for line in lines:
                self._add(line, [("shipped", f"Shipped, {_line_name(line)}", line.quantity,
                                  line.quantity)])
        if step == "split":
            for line in lines:
                self._add(line, [("move", f"Move to the new shipment, {_line_name(line)}",
                                  None, line.quantity)])
        if step == "receive":
            for line in (x for x in lines if (x.shipped or 0) > 0):
                names = [(key, f"{label}, {_line_name(line)}",
                          line.shipped if key == "accepted" else None,
                          line.shipped) for key, label in COUNTS]
                self._add(line, names)
                self.fields[f"reason_{line.pk}"] = forms.ChoiceField(
                    label=f"Why the count differs, {_line_name(line)}", required=False,
                    choices=[("", "Nothing differs"), *ReceiptReason.choices])
                self.fields[f"note_{line.pk}"] = forms.CharField(
                    label=f"Note, {_line_name(line)}", required=False, max_length=500)
                self.line_fields[-1][1].extend([f"reason_{line.pk}", f"note_{line.pk}"])
        self.fields["note"] = forms.CharField(label="Note", required=False, max_length=500,
                                              widget=forms.Textarea(attrs={"rows": 2}))

    def _add(self, line: ShipmentLine, specs) -> None:
        names = []
        for key, label, initial, most in specs:
            name = f"{key}_{line.pk}"
            # What left and what was accepted are said, never assumed: a blank is refused.
            self.fields[name] = _quantity_field(line, label, initial, most,
                                                required=key in ("shipped", "accepted"))
            names.append(name)
        self.line_fields.append((line, names))

    def general_fields(self) -> list:
        per_line = {n for _, names in self.line_fields for n in names}
        return [self[n] for n in self.fields if n not in per_line and n != "version"]

    def lines_shown(self) -> list[tuple[ShipmentLine, list]]:
        return [(line, [self[n] for n in names]) for line, names in self.line_fields]

    # -- to the service ---------------------------------------------------------------------

    def per_line(self, key: str) -> dict[int, Decimal]:
        return {line.pk: self.cleaned_data.get(f"{key}_{line.pk}") or Decimal(0)
                for line, _ in self.line_fields}

    def counts(self) -> dict[str, dict]:
        found = {}
        for line, _ in self.line_fields:
            count = {key: self.cleaned_data.get(f"{key}_{line.pk}") or Decimal(0)
                     for key, _ in COUNTS}
            found[str(line.pk)] = count | {"reason": self.cleaned_data.get(f"reason_{line.pk}"),
                                           "note": self.cleaned_data.get(f"note_{line.pk}")}
        return found

    def refuse(self, field: str, message: str) -> None:
        """Put a service's refusal on the field it names: ``shipped.12``, ``quantities.12``,
        ``counts.12.reason``, ``happened_on``, ``hub_on``; any other on the whole form."""
        parts = field.split(".")
        name = {"quantities": "move", "counts": "accepted"}.get(parts[0], parts[0])
        if len(parts) >= 2:
            name = f"{parts[2] if len(parts) > 2 else name}_{parts[1]}"
        self.add_error(name if name in self.fields else None, message)


class ResolveForm(forms.Form):
    """How a discrepancy was settled."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    resolution = forms.ChoiceField(label="How it was resolved",
                                   choices=[("", "Choose…"), *Resolution.choices])
    resolution_note = forms.CharField(label="Note", required=False, max_length=500)

    def __init__(self, discrepancy, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.discrepancy = discrepancy
        self.auto_id = f"resolve-{discrepancy.pk}-%s"

    def refuse(self, field: str, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)
