from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "clearinghouse.security"
    label = "security"
    verbose_name = "Security"
