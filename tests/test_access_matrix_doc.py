"""docs/access.md carries the matrix table; it must match the code."""

from pathlib import Path

from safeguard.access import roles
from safeguard.accounts.models import Role

DOC = Path(__file__).resolve().parent.parent / "docs" / "access.md"


def test_doc_table_matches_the_matrix_in_code():
    text = DOC.read_text()
    start, end = "<!-- matrix:start -->\n", "<!-- matrix:end -->"
    assert start in text and end in text, "docs/access.md lost its matrix markers"
    table = text.split(start, 1)[1].split(end, 1)[0]
    assert table == roles.markdown_matrix(), (
        "docs/access.md is out of date: paste safeguard.access.roles.markdown_matrix() "
        "between the matrix markers"
    )


def test_every_role_has_an_entry_and_only_known_areas():
    assert set(roles.MATRIX) == set(Role.values)
    for role, (areas, scope, capabilities) in roles.MATRIX.items():
        assert areas <= set(roles.AREAS), role
        assert scope in roles.SCOPES, role
        assert capabilities <= set(roles.CAPABILITIES), role
        # A role with any child area sees at least the identity (name, DOB, NHS number).
        assert not areas or "identity" in areas, role
        assert (scope == "none") == (not areas), role


def test_the_issue_examples_hold():
    assert roles.areas_for(Role.PHARMACIST) == {"identity", "looked_after_status", "medicines"}
    police = roles.areas_for(Role.POLICE_OFFICER)
    assert {"summary", "chronology", "people"} <= police
    assert not police & {"health", "medicines"}
    assert roles.areas_for(Role.PARTNERSHIP_ANALYST) == set()
    assert roles.has_capability(Role.PARTNERSHIP_ANALYST, "aggregates")
    assert roles.areas_for(Role.ADMINISTRATOR) == set()
    assert roles.has_capability(Role.ADMINISTRATOR, "manage_accounts")


def test_doc_writes_table_matches_the_code():
    text = DOC.read_text()
    start, end = "<!-- writes:start -->\n", "<!-- writes:end -->"
    assert start in text and end in text, "docs/access.md lost its writes markers"
    table = text.split(start, 1)[1].split(end, 1)[0]
    assert table == roles.markdown_writes(), (
        "docs/access.md is out of date: paste safeguard.access.roles.markdown_writes() "
        "between the writes markers"
    )


def test_writes_are_known_and_roles_without_areas_write_nothing():
    known = set(roles.RECORDS) | set(roles.EVENT_CATEGORY_WRITES)
    assert set(roles.WRITES) == set(Role.values)
    for role, writes in roles.WRITES.items():
        assert writes <= known, role
        # A role that may see a child may write something to its record, and only then.
        assert bool(writes) == bool(roles.areas_for(role)), role
    assert roles.may_write(Role.PHARMACIST, "event:medicines")
    assert not roles.may_write(Role.PHARMACIST, "event:police")
    assert not roles.may_write(Role.SOCIAL_WORKER, "record:involvement")
    assert roles.may_write(Role.TEAM_MANAGER, "record:involvement")
    assert set(Role.values) >= roles.CONTRIBUTE_ROLES
    for role in roles.CONTRIBUTE_ROLES:
        assert any(w.startswith("event:") for w in roles.WRITES[role]), role
