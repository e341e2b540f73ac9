"""The pledges API: pledges, stock positions, backfill orders."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("pledges", views.PledgeViewSet, basename="pledge")
router.register("stock-positions", views.StockPositionViewSet, basename="stockposition")
router.register("backfill-orders", views.BackfillOrderViewSet, basename="backfillorder")

urlpatterns = []
