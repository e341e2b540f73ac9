"""The organisations pages: the list and its exports, an organisation's page."""

from django.urls import path

from . import views

app_name = "parties"
urlpatterns = [
    *views.OrganisationListing.urls(),
    path("<int:pk>/", views.organisation_detail, name="detail"),
]
