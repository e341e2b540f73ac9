"""The logistics API: hubs and their closures."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("hubs", views.HubViewSet, basename="hub")
router.register("hub-closures", views.HubClosureViewSet, basename="hubclosure")

urlpatterns = []
