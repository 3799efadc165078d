from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "safeguard.access"
    label = "access"
    verbose_name = "Access and audit"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment checks
