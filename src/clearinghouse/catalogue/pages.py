"""Detail pages, forms and lifecycle actions."""

urlpatterns: list = []
