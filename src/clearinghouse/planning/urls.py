"""Pages of the planning app: plans (views.py) and the ask list (pages.py)."""

from . import pages, views

app_name = "planning"
urlpatterns = [*views.urlpatterns, *pages.urlpatterns]
