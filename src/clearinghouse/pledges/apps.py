from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "clearinghouse.pledges"
    label = "pledges"
    verbose_name = "Pledges"

    def ready(self) -> None:
        # What this app adds to lower layers' pages (core/panels.py).
        from clearinghouse.core.panels import Panel, register

        from . import queries

        register("needs.need", Panel("pledges/panels/need_pledges.html",
                                     queries.need_pledges, order=30))
        register("catalogue.itemtype", Panel("pledges/panels/item_pledges.html",
                                             queries.item_tally, order=20))
