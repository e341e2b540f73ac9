"""Pages of the pledges app: lists and exports (views.py), details and forms (pages.py)."""

from . import pages, views

app_name = "pledges"
urlpatterns = [*views.urlpatterns, *pages.urlpatterns]
