"""The need form: field parsing only; the services decide (needs/services.py)."""

from django import forms
from django.core.exceptions import ValidationError

from clearinghouse.security.roles import Classification

from .models import Need


class ServiceForm(forms.ModelForm):
    """A ModelForm that only parses its fields: the domain services validate and save.

    ``version`` carries the version the user opened, so a stale edit is refused; a service's
    refusal is put next to the field it names with :meth:`refused`.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Fields passed to the services as they are; ``version`` is passed on its own.
    stale = None

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        if "classification" in self.fields and user is not None:
            # A user cannot mark a record above its own clearance (it could no longer see it).
            self.fields["classification"].choices = [
                (value, label) for value, label in Classification.choices
                if value <= user.clearance
            ]

    def _post_clean(self):
        """No model validation here: the service validates, once, for every entry point."""

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    def refused(self, error: ValidationError, current_version: int | None = None) -> None:
        """Show a service's refusal: by field, a stale edit at the top with the input kept."""
        messages = error.message_dict if hasattr(error, "error_dict") else {
            None: error.messages
        }
        for field, texts in messages.items():
            if field == "version":
                self.stale = " ".join(texts)
                if current_version is not None and self.is_bound:
                    # Saving again deliberately applies the user's input to the current version.
                    self.data = self.data.copy()
                    self.data["version"] = current_version
                continue
            target = field if field in self.fields else None
            for text in texts:
                if target is None and field not in (None, "__all__"):
                    text = f"{field.replace('_', ' ').capitalize()}: {text}"
                self.add_error(target, text)


class NeedForm(ServiceForm):
    class Meta:
        model = Need
        fields = (
            "item_type", "family", "quantity", "priority", "required_by", "region",
            "justification", "classification", "release_recipient", "release_all_donors",
        )
        widgets = {
            "required_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "justification": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "item_type": "Name either one item type or one compatibility family.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("release_recipient", True)
        self.fields["item_type"].queryset = self.fields["item_type"].queryset.order_by("name")
        self.fields["family"].queryset = self.fields["family"].queryset.order_by("name")
