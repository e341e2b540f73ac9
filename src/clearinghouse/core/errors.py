"""Domain errors: every refusal names the field (or state) it is about."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """Bad input refused by a domain rule; ``field`` names what was wrong."""

    def __init__(self, field: str, message: str):
        super().__init__({field: [message]})
        self.field = field


class IllegalTransition(DomainError):
    """A lifecycle action asked of a record in a state that does not allow it."""

    def __init__(self, model: str, current: str, action: str, target: str, allowed_from):
        allowed = ", ".join(sorted(allowed_from))
        super().__init__(
            "state",
            f"Cannot {action} this {model}: it is '{current}'; '{action}' moves a {model} "
            f"from {allowed} to '{target}'.",
        )
        self.current, self.requested = current, target


class StaleEdit(DomainError):
    """The record changed since the caller read it: its edit would overwrite another's."""

    def __init__(self, model: str, expected: int | None, current: int):
        if expected is None:
            message = (
                f"The {model}'s version is required to edit it (current version {current})."
            )
        else:
            message = (
                f"This {model} was changed by someone else since you read it (you edited "
                f"version {expected}, it is now version {current}). Reload and apply your "
                "change again."
            )
        super().__init__("version", message)
        self.current = current
