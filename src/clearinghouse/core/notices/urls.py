"""The inbox's addresses, under /notices/."""

from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("read/", views.read_all, name="read-all"),
    path("<int:pk>/read/", views.read_one, name="read"),
]
