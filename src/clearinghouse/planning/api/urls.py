"""The planning API: plans and plan rules; a plan's allocations and gaps; the ask list."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("plan-rules", views.PlanRuleViewSet, basename="planrule")
router.register("coverage", views.CoverageViewSet, basename="coverage")

urlpatterns = [
    path("plans/<int:plan_pk>/allocations/",
         views.AllocationViewSet.as_view({"get": "list"}), name="plan-allocations"),
    path("ask-list/", views.AskListView.as_view(), name="ask-list"),
    path("plans/<int:plan_pk>/gaps/", views.GapViewSet.as_view({"get": "list"}),
         name="plan-gaps"),
]
