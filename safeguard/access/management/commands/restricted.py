"""`safeguard restricted`: name people on a restricted record, and list who is named.

For administrators and managers working from the server's shell (docs/access.md). The
naming goes through `name_on_restricted_record`, so it is validated and audited like any
other; `--by` records which manager made it (without it the audit says "system").
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safeguard.access import roles
from safeguard.access.audit import AuditUnavailable, audit_context
from safeguard.access.models import RestrictedAccess
from safeguard.access.services import name_on_restricted_record
from safeguard.accounts.models import User
from safeguard.children.models import Child

# Who may name people on a restricted record with --by: managers of access and accounts.
NAMING_CAPABILITIES = ("review_access", "manage_accounts")


class Command(BaseCommand):
    help = (
        "Restricted records. name: name a professional on a restricted record (audited). "
        "list: who is named on a restricted record."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        name = sub.add_parser("name", help="Name a professional on a restricted record")
        name.add_argument("--child", required=True, help="The child's local ID")
        name.add_argument("--user", required=True, help="Username of the professional to name")
        name.add_argument("--reason", required=True, help="Why they need the record")
        name.add_argument(
            "--by", help="Username of the manager or administrator naming them (audited)"
        )
        listing = sub.add_parser("list", help="List who is named on a restricted record")
        listing.add_argument("--child", required=True, help="The child's local ID")

    def handle(self, *args, subcommand, **options):
        child = self._child(options["child"])
        if subcommand == "name":
            self._name(child, options)
        else:
            self._list(child)

    def _child(self, local_id: str) -> Child:
        child = Child.objects.filter(local_id=local_id.strip()).first()
        if child is None:
            raise CommandError(f'--child: no child with local ID "{local_id}"')
        if not child.restricted:
            raise CommandError(f'--child: child "{child.local_id}" is not a restricted record')
        return child

    def _user(self, option: str, username: str) -> User:
        user = User.objects.filter(username=username.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f'--{option}: no active account with username "{username}"')
        return user

    def _name(self, child: Child, options):
        user = self._user("user", options["user"])
        actor = None
        if options["by"]:
            actor = self._user("by", options["by"])
            if not any(roles.has_capability(actor.role, c) for c in NAMING_CAPABILITIES):
                raise CommandError(
                    f'--by: "{actor.username}" ({actor.get_role_display()}) cannot name people '
                    "on restricted records (managers and administrators can)"
                )
        try:
            with audit_context(via="command"):
                name_on_restricted_record(
                    actor=actor, child=child, user=user, reason=options["reason"]
                )
        except ValidationError as exc:
            field, errors = next(iter(exc.message_dict.items()))
            raise CommandError(f"--{field}: {'; '.join(errors)}") from None
        except AuditUnavailable as exc:
            raise CommandError(f"Nobody was named: {exc}") from None
        self.stdout.write(f"Named {user.username} on {child.local_id}'s restricted record")

    def _list(self, child: Child):
        now = timezone.now()
        grants = (
            RestrictedAccess.objects.filter(child=child)
            .select_related("user", "granted_by")
            .order_by("granted_at", "pk")
        )
        current = set(
            RestrictedAccess.objects.active(now).filter(child=child).values_list("pk", flat=True)
        )
        if not grants:
            self.stdout.write(f"Nobody is named on {child.local_id}'s restricted record")
            return
        self.stdout.write(f"Named on {child.local_id}'s restricted record:")
        for grant in grants:
            if grant.pk in current:
                status = (
                    f"until {timezone.localtime(grant.expires_at):%Y-%m-%d %H:%M}"
                    if grant.expires_at
                    else "current"
                )
            else:
                status = "revoked" if grant.revoked_at else "expired"
            by = grant.granted_by.username if grant.granted_by else "system"
            self.stdout.write(
                f"{grant.user.username}\t{grant.user.get_role_display()}\t{status}\t"
                f"named {timezone.localtime(grant.granted_at):%Y-%m-%d} by {by}\t{grant.reason}"
            )
