from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "safeguard.episodes"
    label = "episodes"
    verbose_name = "Episodes and placements"
