from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "clearinghouse.planning"
    label = "planning"
    verbose_name = "Planning"
