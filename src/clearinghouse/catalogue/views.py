"""List pages and exports."""

urlpatterns: list = []
