"""The parties API: organisations, regions, and the signed-in user."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("regions", views.RegionViewSet, basename="region")

urlpatterns = [path("me/", views.me, name="me")]
