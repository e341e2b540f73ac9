"""Pages of the catalogue app."""

from django.urls import path  # noqa: F401

app_name = "catalogue"
urlpatterns: list = []
