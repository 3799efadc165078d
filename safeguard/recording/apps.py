from django.apps import AppConfig


class RecordingConfig(AppConfig):
    """Pages that write a child's record: forms that may touch several domain apps, the
    partners' quick-record pages, contribute-without-seeing, and the alert actions.

    This is the layer above the domain apps (children, episodes, health, chronology,
    access, checks): it imports their services and selectors; they never import it.
    It owns no models.
    """

    name = "safeguard.recording"
    label = "recording"
    verbose_name = "Recording"
