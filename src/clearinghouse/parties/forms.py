"""Page forms of accounts: the code of a second factor."""

from django import forms


class CodeForm(forms.Form):
    """A code: the six digits an authenticator app shows, or (where ``recovery``) one of the
    account's recovery codes."""

    code = forms.CharField(
        label="Code", max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "spellcheck": "false", "autocapitalize": "off"}),
    )

    def __init__(self, *args, recovery: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            "The six digits your authenticator app shows now, or one of your recovery codes."
            if recovery else "The six digits your authenticator app shows now.")
