"""The planning pages: plans, their runs, adoption, what-ifs and comparisons; the ask list."""

from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/status/", views.plan_status, name="status"),
    path("<int:pk>/adopt/", views.plan_adopt, name="adopt"),
    path("<int:pk>/cancel/", views.plan_cancel, name="cancel"),
    path("<int:pk>/what-if/", views.plan_what_if, name="what-if"),
    path("<int:pk>/compare/<int:other>/", views.plan_compare, name="compare"),
    path("<int:pk>/rerun/", views.plan_rerun, name="rerun"),
    path("asks/", views.ask_list, name="asks"),
    path("asks/print/", views.ask_list_print, name="asks-print"),
    path("asks.csv", views.ask_list_csv, name="asks-csv"),
]
