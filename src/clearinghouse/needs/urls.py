"""Pages of the needs app: lists and exports (views.py), details and forms (pages.py)."""

from . import pages, views

app_name = "needs"
urlpatterns = [*views.urlpatterns, *pages.urlpatterns]
