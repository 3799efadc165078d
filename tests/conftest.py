import pytest


@pytest.fixture
def cs_agency(db):
    from tests import factories

    return factories.agency()
