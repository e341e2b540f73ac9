"""The hub's pages, the manifests and the timeline (hub_views.py)."""

urlpatterns: list = []
