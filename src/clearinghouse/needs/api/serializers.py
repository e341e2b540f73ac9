from rest_framework import serializers

from clearinghouse.core.serializers import CONTROL_FIELDS, LifecycleSerializer

from ..models import NEED_LIFECYCLE, Need


class NeedSerializer(LifecycleSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    area = serializers.SerializerMethodField()
    machine = NEED_LIFECYCLE
    app_label = "needs"

    class Meta:
        model = Need
        fields = (
            "id", "owner", "owner_name", "item_type", "family", "area", "quantity", "priority",
            "required_by", "region", "justification", "state", *CONTROL_FIELDS, "version",
            "created_at", "actions",
        )
        read_only_fields = ("owner", "state", "release_coordinator", "created_at")

    def get_area(self, need: Need) -> str | None:
        source = need.item_type or need.family
        return source.area.code if source else None
