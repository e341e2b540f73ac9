"""Serializer layers shared by the domain APIs: versioned, controlled, with a lifecycle."""

from typing import Any

import rules
from rest_framework import serializers

from clearinghouse.security.roles import Classification

CONTROL_FIELDS = (
    "classification", "release_coordinator", "release_recipient", "release_all_donors",
    "released_to",
)


class VersionedSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(
        required=False, help_text="The version you read; required to edit, stale edits get 409."
    )


class ControlledSerializer(VersionedSerializer):
    """Classification and releasability; ``released_to`` is the model's own relation (any
    organisation may be named: organisations are reference data every user sees)."""

    classification = serializers.ChoiceField(choices=Classification.choices, required=False)


class LifecycleSerializer(ControlledSerializer):
    """Adds the lifecycle actions the caller may take now."""

    actions = serializers.SerializerMethodField(
        help_text="Lifecycle actions the caller may take now."
    )
    machine = None
    app_label = ""

    def get_actions(self, record: Any) -> list[str]:
        user = self.context["request"].user
        name = type(record)._meta.model_name
        return [
            a for a in self.machine.allowed_actions(record.state)
            if rules.has_perm(f"{self.app_label}.{a}_{name}", user, record)
        ]
