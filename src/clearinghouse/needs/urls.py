"""The needs pages: the list and its exports, a need's page, forms and actions."""

from django.urls import path

from . import views

app_name = "needs"

urlpatterns = [
    *views.NeedListing.urls(),
    path("new/", views.need_create, name="create"),
    path("bulk/", views.need_bulk, name="bulk"),
    path("<int:pk>/", views.need_detail, name="detail"),
    path("<int:pk>/edit/", views.need_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", views.need_act, name="act"),
]
