from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "clearinghouse.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue"
