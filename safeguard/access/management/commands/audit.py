"""`safeguard audit verify` / `safeguard audit checkpoint`: the audit trail's integrity."""

from django.core.management.base import BaseCommand, CommandError

from safeguard.access.audit import verify_chain, write_checkpoint


class Command(BaseCommand):
    help = (
        "Audit trail tools. verify: recompute the keyed hash chain, check the chain head and "
        "the checkpoint file, and report the first break. checkpoint: append a signed "
        "checkpoint of the chain head to the checkpoint file (schedule it, e.g. every minute)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check every entry's HMAC, its link, and the checkpoints")
        sub.add_parser("checkpoint", help="Append a signed checkpoint of the chain head")

    def handle(self, *args, subcommand, **options):
        if subcommand == "checkpoint":
            report = verify_chain()
            if not report.ok:
                # A checkpoint of a damaged chain would vouch for the damage.
                raise CommandError(
                    f"Audit trail is BROKEN: no checkpoint written. {report.problems[0]}"
                )
            line = write_checkpoint()
            if line is None:
                raise CommandError(
                    "No checkpoint written: SAFEGUARD_AUDIT_CHECKPOINT_FILE is not set, the "
                    "trail is empty, or the file could not be written (see the log)"
                )
            self.stdout.write(f"Checkpoint written: seq {line.split()[1]}")
            return
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit trail is BROKEN after {report.checked} good entries: {report.problems[0]}"
            )
        self.stdout.write(f"Audit trail OK: {report.checked} entries, chain intact")
        if report.checkpoint_file:
            self.stdout.write(
                f"Checkpoints: {report.checkpoints_matched} matched in {report.checkpoint_file}"
                f" (newest at seq {report.last_checkpoint_seq})"
            )
        else:
            self.stdout.write(
                "Warning: no checkpoint file (SAFEGUARD_AUDIT_CHECKPOINT_FILE), so entries "
                "removed from the end, or the whole trail, cannot be detected"
            )
