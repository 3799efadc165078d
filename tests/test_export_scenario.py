"""`safeguard export-scenario`: a child's record as a scenario file that reloads identically."""

from pathlib import Path

import pytest
from django.db import transaction

from safeguard.children.models import Child
from safeguard.scenarios.export import export_yaml
from safeguard.scenarios.loader import load
from tests.export_helpers import (
    assert_same_record,
    record_of,
)

ROOT = Path(__file__).resolve().parent.parent
SARAH = ROOT / "scenarios" / "sarah.yaml"


def exported_then_reloaded(paths, local_id, tmp_path):
    """Load `paths`, export the child, roll back, load the export into the now empty
    database. Returns (record before, record after, exported text)."""
    with transaction.atomic():
        load(paths)
        child = Child.objects.get(local_id=local_id)
        before = record_of(child)
        text = export_yaml(child)
        transaction.set_rollback(True)
    assert not Child.objects.exists()
    out = tmp_path / f"{local_id}.yaml"
    out.write_text(text, encoding="utf-8")
    load([out])
    after = record_of(Child.objects.get(local_id=local_id))
    return before, after, text


@pytest.mark.django_db
def test_sarah_round_trip(tmp_path):
    before, after, text = exported_then_reloaded([SARAH], "WCF-SARAH", tmp_path)
    assert_same_record(before, after)
    assert len(before["chronology.Event"]) >= 80
