"""The hub's pages, the manifests and the timeline (hub_views.py)."""

from django.urls import path

from . import hub_views

urlpatterns: list = [
    path("hubs/<int:pk>/", hub_views.hub_page, name="hub"),
    path("hubs/<int:pk>/manifest/<str:on>/", hub_views.manifest_print, name="manifest"),
    path("hubs/<int:pk>/manifest/<str:on>.csv", hub_views.manifest_csv, name="manifest-csv"),
    path("timeline/", hub_views.timeline, name="timeline"),
]
