from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "safeguard.scenarios"
    label = "scenarios"
    verbose_name = "Scenario files"
