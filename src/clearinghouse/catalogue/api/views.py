from django.db.models import QuerySet

from clearinghouse.core.api import ReadOnlyViewSet

from ..filtersets import ItemTypeFilterSet
from ..models import CapabilityArea, CapabilityCoalition, CompatibilityFamily, ItemType
from .serializers import (
    CapabilityAreaSerializer,
    CapabilityCoalitionSerializer,
    CompatibilityFamilySerializer,
    ItemTypeSerializer,
)


class CapabilityAreaViewSet(ReadOnlyViewSet):
    model = CapabilityArea
    serializer_class = CapabilityAreaSerializer


class CapabilityCoalitionViewSet(ReadOnlyViewSet):
    model = CapabilityCoalition
    serializer_class = CapabilityCoalitionSerializer

    def get_queryset(self) -> QuerySet[CapabilityCoalition]:
        return super().get_queryset().prefetch_related("lead_nations")


class CompatibilityFamilyViewSet(ReadOnlyViewSet):
    model = CompatibilityFamily
    serializer_class = CompatibilityFamilySerializer


class ItemTypeViewSet(ReadOnlyViewSet):
    model = ItemType
    serializer_class = ItemTypeSerializer
    filterset_class = ItemTypeFilterSet
