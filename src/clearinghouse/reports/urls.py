"""The reports pages: each role's start page (named ``start``, the site's home)."""

from django.urls import path

from . import views

urlpatterns = [path("", views.start, name="start")]
