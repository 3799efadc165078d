from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Pages that compose the whole record: each role's home page (caseload), search and
    the child's summary, with their reads (`selectors.py`).

    Like `recording`, this is the layer above the domain apps (children, episodes, health,
    chronology, meetings, access) and the checks: it reads their selectors and models;
    they never import it (tests/test_layers.py). It owns no models. Its URLs keep the
    `children:` namespace (children:caseload, children:search, children:summary).
    """

    name = "safeguard.casework"
    label = "casework"
    verbose_name = "Casework pages"
