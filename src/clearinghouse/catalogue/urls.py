"""The catalogue pages: the list and its exports, an item type's page."""

from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    *views.ItemTypeListing.urls(),
    path("<int:pk>/", views.item_detail, name="detail"),
]
