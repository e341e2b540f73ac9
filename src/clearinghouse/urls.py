"""The site's wiring: each app's pages under its prefix, each app's API under /api/ (one
router, so the API's root lists every collection), the admin and the API's documentation."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from clearinghouse.catalogue.api import urls as catalogue_api
from clearinghouse.core.notices import api as notices_api
from clearinghouse.core.web import help_page, toggle_large_type
from clearinghouse.logistics.api import urls as logistics_api
from clearinghouse.needs.api import urls as needs_api
from clearinghouse.parties.api import urls as parties_api
from clearinghouse.planning.api import urls as planning_api
from clearinghouse.pledges.api import urls as pledges_api
from clearinghouse.shipments.api import urls as shipments_api

API_APPS = (parties_api, catalogue_api, needs_api, pledges_api, logistics_api, planning_api,
            shipments_api, notices_api)

router = DefaultRouter()
for app in API_APPS:
    router.registry.extend(app.router.registry)

# An address no route matches answers JSON under /api/, as the API's schema documents.
handler404 = "clearinghouse.core.api.not_found"

urlpatterns = [
    path("", include("clearinghouse.reports.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("clearinghouse.parties.accounts_urls")),
    path("display/", toggle_large_type, name="display"),
    path("help/", help_page, name="help"),
    path("notices/", include("clearinghouse.core.notices.urls")),
    path("needs/", include("clearinghouse.needs.urls")),
    path("pledges/", include("clearinghouse.pledges.urls")),
    path("organisations/", include("clearinghouse.parties.urls")),
    path("catalogue/", include("clearinghouse.catalogue.urls")),
    path("plans/", include("clearinghouse.planning.urls")),
    path("shipments/", include("clearinghouse.shipments.urls")),
    path("admin/", admin.site.urls),
    *(path("api/", include(app.urlpatterns)) for app in API_APPS if app.urlpatterns),
    path("api/", include(router.urls)),
    path("api/token/", parties_api.views.TokenView.as_view(), name="api-token"),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up script from a URL: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
