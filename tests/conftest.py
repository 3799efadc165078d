import os
from pathlib import Path

import pytest

SARAH = Path(__file__).resolve().parent.parent / "scenarios" / "sarah.yaml"


@pytest.fixture(autouse=True)
def _fresh_prepared_queries_under_mutation():
    """Under mutation testing (scripts/mutation.py sets SAFEGUARD_MUTATION) a query that an
    earlier test compiled and cached (core/prepared.py), or the unmutated run mutmut forks
    each mutant from, would be served instead of the mutated code that builds it: the
    mutants inside `allowed_areas`, `_openable` and the checks' queries then all "survive".
    Clear the cache before each test there."""
    if os.environ.get("SAFEGUARD_MUTATION"):
        from safeguard.core import prepared

        prepared.clear()


@pytest.fixture
def cs_agency(db):
    from tests import factories

    return factories.agency()


@pytest.fixture(scope="session")
def sarah_replay_rows(django_db_setup, django_db_blocker):
    """The Sarah replay's rows, computed once per test session.

    Replaying her case walks every day of it through the whole catalogue (minutes on a
    2-core machine); test_replay.py and test_lac_replay.py read the same rows, so one
    replay serves both. Rolled back: the rows are plain values, the database is left as
    it was. A tuple, so no test can change what another reads.
    """
    from django.db import connection, transaction

    from safeguard.checks.replay import replay
    from safeguard.scenarios.loader import parse_files

    with django_db_blocker.unblock():
        with transaction.atomic():
            rows = tuple(replay(parse_files([SARAH])))
            transaction.set_rollback(True)
        connection.close()
    return rows
