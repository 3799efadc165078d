"""`safeguard audit verify`: check the audit trail's hash chain end to end."""

from django.core.management.base import BaseCommand, CommandError

from safeguard.access.audit import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools. verify: recompute the hash chain and report the first break."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check every entry's hash and its link to the previous")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            report = verify_chain()
            if not report.ok:
                raise CommandError(
                    "Audit trail is BROKEN after "
                    f"{report.checked} good entries: {report.problems[0]}"
                )
            self.stdout.write(f"Audit trail OK: {report.checked} entries, chain intact")
