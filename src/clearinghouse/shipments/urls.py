from django.urls import include, path

from . import views

app_name = "shipments"

urlpatterns = [
    path("<int:pk>/", views.shipment_detail, name="detail"),
    path("", include("clearinghouse.shipments.hub_urls")),
]
