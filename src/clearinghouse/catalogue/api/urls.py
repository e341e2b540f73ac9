"""The catalogue API: capability areas and coalitions, compatibility families, item types."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("capability-areas", views.CapabilityAreaViewSet, basename="capabilityarea")
router.register("capability-coalitions", views.CapabilityCoalitionViewSet,
                basename="capabilitycoalition")
router.register("compatibility-families", views.CompatibilityFamilyViewSet,
                basename="compatibilityfamily")
router.register("item-types", views.ItemTypeViewSet, basename="itemtype")

urlpatterns = []
