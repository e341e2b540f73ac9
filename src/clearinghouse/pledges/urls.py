"""The pledges pages: pledges and stock positions, their lists and exports, detail pages,
forms and actions."""

from django.urls import path

from . import views

app_name = "pledges"
urlpatterns = [
    *views.PledgeListing.urls(),
    *views.StockPositionListing.urls("stock/", "stock-"),
    path("new/", views.pledge_create, name="create"),
    path("bulk/", views.pledge_bulk, name="bulk"),
    path("<int:pk>/", views.pledge_detail, name="detail"),
    path("<int:pk>/edit/", views.pledge_edit, name="edit"),
    path("<int:pk>/act/<slug:action>/", views.pledge_act, name="act"),
    path("stock/<int:pk>/", views.stock_detail, name="stock-detail"),
]
