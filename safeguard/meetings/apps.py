from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Concerns, multi-agency meetings (strategy discussions, conferences, core groups, MACE,
    missing reviews, looked-after reviews), section 47 enquiries, actions and plan milestones.
    """

    name = "safeguard.meetings"
    label = "meetings"
    verbose_name = "Concerns, meetings and plans"
