"""The logistics API: hubs, seen only by those they are released to."""

from clearinghouse.core.api import ReadOnlyViewSet

from .. import queries
from .serializers import HubSerializer


class HubViewSet(ReadOnlyViewSet):
    """Logistics hubs: where cargo gathers, so seen only by those they are released to."""

    serializer_class = HubSerializer
    query = staticmethod(queries.hubs)
