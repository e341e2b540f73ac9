"""The logistics API: hubs."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("hubs", views.HubViewSet, basename="hub")

urlpatterns = []
