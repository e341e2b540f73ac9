from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "clearinghouse.parties"
    label = "parties"
    verbose_name = "Parties"
