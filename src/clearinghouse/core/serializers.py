"""Serializer layers shared by the domain APIs: versioned, controlled, with a lifecycle."""

from typing import Any

import rules
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from clearinghouse.security.roles import Classification

CONTROL_FIELDS = (
    "classification", "release_coordinator", "release_recipient", "release_all_donors",
    "released_to",
)


MANY = (serializers.ManyRelatedField, serializers.ListSerializer, serializers.ListField)


class MaskingSerializer(serializers.Serializer):
    """A serializer that blanks fields a reader may not see names them in ``masked``: the
    schema (``core.schema``) then documents them as nullable in answers, and ``blank`` refuses
    to blank any other, so the two cannot drift apart. A field of many values is blanked to
    an empty list, which its schema allows already."""

    masked: tuple[str, ...] = ()

    def blank(self, data: dict[str, Any], names: Any) -> dict[str, Any]:
        for name in names:
            if name not in self.masked:
                raise ImproperlyConfigured(
                    f"{type(self).__name__} blanks {name!r}, which is not in its `masked`: the "
                    "schema would say it is never null.")
            if name in data:
                data[name] = [] if isinstance(self.fields[name], MANY) else None
        return data


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
