"""Pages of the catalogue app: lists and exports (views.py), details and forms (pages.py)."""

from . import pages, views

app_name = "catalogue"
urlpatterns = [*views.urlpatterns, *pages.urlpatterns]
