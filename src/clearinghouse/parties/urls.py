"""Pages of the parties app."""

from django.urls import path  # noqa: F401

app_name = "parties"
urlpatterns: list = []
