"""Pages of the parties app: lists and exports (views.py), details and forms (pages.py)."""

from . import pages, views

app_name = "parties"
urlpatterns = [*views.urlpatterns, *pages.urlpatterns]
