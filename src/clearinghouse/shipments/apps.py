from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "clearinghouse.shipments"
    label = "shipments"
    verbose_name = "Shipments"

    def ready(self) -> None:
        from clearinghouse.planning import ground

        from . import rules  # noqa: F401  (registers the permissions)
        from .ground import GROUND

        ground.register(GROUND)
