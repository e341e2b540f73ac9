from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "clearinghouse.shipments"
    label = "shipments"
    verbose_name = "Shipments"

    def ready(self) -> None:
        from clearinghouse.core.panels import Panel, register
        from clearinghouse.planning import ground

        from . import rules, tracking  # noqa: F401  (rules registers the permissions)
        from .ground import GROUND

        ground.register(GROUND)
        # What this app adds to the need's page (core/panels.py): delivered for every reader,
        # the shipments and their forecast for those who may follow the movement.
        register("needs.need", Panel("shipments/panels/need_tracker.html",
                                     tracking.need_tracker, order=30))
        # And to the plan's page: how far its shipments got.
        register("planning.plan", Panel("shipments/panels/plan_deliveries.html",
                                        tracking.plan_deliveries))
