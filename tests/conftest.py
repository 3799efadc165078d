import os
from pathlib import Path

import pytest

SARAH = Path(__file__).resolve().parent.parent / "scenarios" / "sarah.yaml"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make `--dist loadgroup` honour `xdist_group` under pytest 9.

    pytest-xdist 3.8 groups tests by a `@<group>` suffix it appends to each marked item's
    node id on the workers, by setting `item._nodeid`; pytest 9 derives `nodeid` from
    `item._id` instead, so the suffix was lost and the two Sarah replay modules ran on both
    workers, each replaying her whole case (minutes of CPU). Append it where pytest 9 reads
    it; a no-op where xdist's own suffix took effect or outside an xdist worker.
    """
    # The workers run with dist "no"; xdist passes them `loadgroup` as its own option.
    if not hasattr(config, "workerinput") or not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId  # pytest 9
    except ImportError:
        return
    for item in items:
        groups = sorted(
            {
                str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                for m in item.iter_markers("xdist_group")
            }
        )
        if groups and "@" not in item.nodeid.rpartition("]")[2] and hasattr(item, "_id"):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


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
