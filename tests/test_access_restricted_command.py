"""`safeguard restricted name|list`: naming people on a restricted record from the shell."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.timezone import localtime

from safeguard.access import policy
from safeguard.access.models import AuditEntry, RestrictedAccess
from safeguard.accounts.models import Role
from tests import factories
from tests.access_helpers import involve, name_on, person, request_for

pytestmark = pytest.mark.django_db

REASON = "Allocated worker for a staff member's child"


def run(*args) -> str:
    out = StringIO()
    call_command("restricted", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def record():
    """A restricted child, a social worker involved with it, and their team manager."""
    child = factories.child(local_id="R0001", restricted=True)
    sw = person(username="sw.named")
    manager = person(Role.TEAM_MANAGER, username="tm.boss")
    involve(sw, child)
    return child, sw, manager


def test_name_makes_the_record_visible_and_is_audited_with_the_manager(record):
    child, sw, manager = record
    assert list(policy.visible_children(request_for(sw))) == []
    out = run(
        "name", "--child", "R0001", "--user", "sw.named", "--reason", REASON, "--by", "tm.boss"
    )
    assert out == "Named sw.named on R0001's restricted record\n"
    assert list(policy.visible_children(request_for(sw))) == [child]
    grant = RestrictedAccess.objects.get(child=child, user=sw)
    assert (grant.granted_by, grant.reason) == (manager, REASON)
    entry = AuditEntry.objects.get(action="restricted_grant")
    assert (entry.actor, entry.via, entry.child, entry.reason) == (
        manager,
        "command",
        child,
        REASON,
    )


def test_name_without_by_is_recorded_as_the_system(record):
    child, sw, _ = record
    run("name", "--child", "R0001", "--user", "sw.named", "--reason", REASON)
    entry = AuditEntry.objects.get(action="restricted_grant")
    assert (entry.actor, entry.actor_label, entry.via) == (None, "system", "command")


def test_list_shows_who_is_named(record):
    child, sw, manager = record
    assert run("list", "--child", "R0001") == "Nobody is named on R0001's restricted record\n"
    name_on(child, sw, reason=REASON)
    grant = RestrictedAccess.objects.get()
    lines = run("list", "--child", "R0001").splitlines()
    assert lines == [
        "Named on R0001's restricted record:",
        f"sw.named\tSocial worker\tcurrent\tnamed {localtime(grant.granted_at):%Y-%m-%d} "
        f"by system\t{REASON}",
    ]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--child", "R9999"], '--child: no child with local ID "R9999"'),
        (["--child", "OPEN1"], '--child: child "OPEN1" is not a restricted record'),
        (["--user", "sw.nobody"], '--user: no active account with username "sw.nobody"'),
        (["--reason", "   "], "--reason: Say why this person needs the restricted record"),
        (
            ["--by", "sw.other"],
            '--by: "sw.other" (Social worker) cannot name people on '
            "restricted records (managers and administrators can)",
        ),
        (["--by", "nobody"], '--by: no active account with username "nobody"'),
    ],
    ids=["unknown child", "not restricted", "unknown user", "no reason", "by cannot", "unknown by"],
)
def test_name_errors_say_what_and_where_and_change_nothing(record, args, message):
    factories.child(local_id="OPEN1")
    person(username="sw.other")
    options = {"--child": "R0001", "--user": "sw.named", "--reason": REASON}
    options.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["name"] + [part for pair in options.items() for part in pair]
    with pytest.raises(CommandError) as caught:
        run(*argv)
    assert str(caught.value) == message
    assert not RestrictedAccess.objects.exists()
    assert not AuditEntry.objects.filter(action="restricted_grant").exists()


def test_naming_someone_already_named_is_refused(record):
    child, sw, _ = record
    name_on(child, sw, reason=REASON)
    with pytest.raises(CommandError) as caught:
        run("name", "--child", "R0001", "--user", "sw.named", "--reason", REASON)
    assert str(caught.value) == "--user: sw.named is already named on R0001's record"
    assert RestrictedAccess.objects.count() == 1


def test_list_of_an_unknown_child_is_an_error():
    with pytest.raises(CommandError, match='^--child: no child with local ID "R0404"$'):
        run("list", "--child", "R0404")
