from django.urls import include, path

from . import views

app_name = "shipments"

urlpatterns = [
    *views.ShipmentListing.urls(),
    path("make/", views.make, name="make"),
    path("<int:pk>/", views.shipment_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.shipment_act, name="act"),
    path("discrepancies/", views.discrepancies, name="discrepancies"),
    path("discrepancies/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("affected/", views.affected, name="affected"),
    path("", include("clearinghouse.shipments.hub_urls")),
]
