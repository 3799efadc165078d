from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "safeguard.health"
    label = "health"
    verbose_name = "Health"
