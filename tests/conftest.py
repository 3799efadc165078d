import os

import pytest


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
