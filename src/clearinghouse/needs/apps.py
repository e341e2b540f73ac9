from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "clearinghouse.needs"
    label = "needs"
    verbose_name = "Needs"

    def ready(self) -> None:
        # What this app adds to a lower layer's page (core/panels.py).
        from clearinghouse.core.panels import Panel, register

        from . import queries

        register("catalogue.itemtype", Panel("needs/panels/item_needs.html",
                                             queries.item_tally, order=10))
