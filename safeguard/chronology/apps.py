from django.apps import AppConfig


class ChronologyConfig(AppConfig):
    name = "safeguard.chronology"
    label = "chronology"
    verbose_name = "Multi-agency chronology"
