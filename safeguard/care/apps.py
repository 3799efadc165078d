from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "safeguard.care"
    label = "care"
    verbose_name = "Looked-after care, education and leaving care"

    def ready(self):
        from safeguard.core.guards import register_guard

        from .closure import closed_after_death

        register_guard(closed_after_death)
