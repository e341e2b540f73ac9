from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "clearinghouse.planning"
    label = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        # What this app adds to a lower layer's page (core/panels.py).
        from clearinghouse.core.panels import Panel, register

        from . import destinations, queries

        register("needs.need", Panel("planning/panels/need_coverage.html",
                                     queries.need_coverage, order=10))
        register("needs.need", Panel("planning/panels/need_planned.html",
                                     queries.need_planned, order=20))
        register("pledges.pledge", Panel("planning/panels/pledge_allocations.html",
                                         destinations.pledge_allocations, order=10))
