"""The shipments API: shipments, their parts and steps; discrepancies."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("shipments", views.ShipmentViewSet, basename="shipment")
router.register("discrepancies", views.DiscrepancyViewSet, basename="discrepancy")

urlpatterns = []
