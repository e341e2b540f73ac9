"""Pages of the needs app."""

from django.urls import path  # noqa: F401

app_name = "needs"
urlpatterns: list = []
