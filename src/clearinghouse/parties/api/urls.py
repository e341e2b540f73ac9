"""The parties API: organisations, regions, and the signed-in user."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("regions", views.RegionViewSet, basename="region")
router.register("tokens", views.ApiTokenViewSet, basename="apitoken")

urlpatterns = [path("me/", views.me, name="me")]
