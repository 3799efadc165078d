from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "safeguard.checks"
    label = "checks"
    verbose_name = "Safeguarding checks"

    def ready(self):
        # The catalogue modules register themselves on import; the listener re-evaluates a
        # child's checks after any write to their record commits (see services.py).
        from safeguard.core.changes import register_listener

        from . import catalogue, system_checks  # noqa: F401
        from .services import on_child_record_changed

        register_listener(on_child_record_changed)
