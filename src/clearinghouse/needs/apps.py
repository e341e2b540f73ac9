from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "clearinghouse.needs"
    label = "needs"
    verbose_name = "Needs"
