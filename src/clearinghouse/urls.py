from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from clearinghouse.catalogue.api import views as catalogue
from clearinghouse.core.web import toggle_large_type
from clearinghouse.logistics.api.views import HubViewSet
from clearinghouse.needs.api.views import NeedViewSet
from clearinghouse.parties.api import views as parties
from clearinghouse.planning.api import views as planning
from clearinghouse.pledges.api import views as pledges
from clearinghouse.reports.views import start

router = DefaultRouter()
router.register("organisations", parties.OrganisationViewSet, basename="organisation")
router.register("regions", parties.RegionViewSet, basename="region")
router.register("capability-areas", catalogue.CapabilityAreaViewSet, basename="capabilityarea")
router.register(
    "capability-coalitions", catalogue.CapabilityCoalitionViewSet, basename="capabilitycoalition"
)
router.register(
    "compatibility-families", catalogue.CompatibilityFamilyViewSet, basename="compatibilityfamily"
)
router.register("item-types", catalogue.ItemTypeViewSet, basename="itemtype")
router.register("needs", NeedViewSet, basename="need")
router.register("pledges", pledges.PledgeViewSet, basename="pledge")
router.register("stock-positions", pledges.StockPositionViewSet, basename="stockposition")
router.register("backfill-orders", pledges.BackfillOrderViewSet, basename="backfillorder")
router.register("hubs", HubViewSet, basename="hub")
router.register("plans", planning.PlanViewSet, basename="plan")
router.register("plan-rules", planning.PlanRuleViewSet, basename="planrule")

urlpatterns = [
    path("", start, name="start"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("display/", toggle_large_type, name="display"),
    path("needs/", include("clearinghouse.needs.urls")),
    path("pledges/", include("clearinghouse.pledges.urls")),
    path("organisations/", include("clearinghouse.parties.urls")),
    path("catalogue/", include("clearinghouse.catalogue.urls")),
    path("plans/", include("clearinghouse.planning.urls")),
    path("admin/", admin.site.urls),
    path("api/plans/<int:plan_pk>/allocations/",
         planning.AllocationViewSet.as_view({"get": "list"}), name="plan-allocations"),
    path("api/ask-list/", planning.AskListView.as_view(), name="ask-list"),
    path("api/plans/<int:plan_pk>/gaps/", planning.GapViewSet.as_view({"get": "list"}),
         name="plan-gaps"),
    path("api/", include(router.urls)),
    path("api/me/", parties.me, name="me"),
    path("api/token/", obtain_auth_token, name="api-token"),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
