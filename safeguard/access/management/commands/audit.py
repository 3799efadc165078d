"""`safeguard audit verify` / `safeguard audit checkpoint`: the audit trail's integrity."""

from django.core.management.base import BaseCommand, CommandError

from safeguard.access.audit import AuditUnavailable, checkpoint_now, verify_chain


class Command(BaseCommand):
    help = (
        "Audit trail tools. verify: recompute the keyed hash chain, check the chain head and "
        "the checkpoint file, and report the first break. checkpoint: append a signed "
        "checkpoint of every lane's head (through a new anchor) to the checkpoint file "
        "(schedule it, e.g. every minute)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check every entry's HMAC, its link, and the checkpoints")
        sub.add_parser("checkpoint", help="Append a signed checkpoint of every lane's head")

    def handle(self, *args, subcommand, **options):
        if subcommand == "checkpoint":
            report = verify_chain()
            if not report.ok:
                # A checkpoint of a damaged chain would vouch for the damage.
                raise CommandError(
                    f"Audit trail is BROKEN: no checkpoint written. {report.problems[0]}"
                )
            try:
                lines = checkpoint_now()
            except AuditUnavailable as exc:
                raise CommandError(f"No checkpoint written: {exc}") from exc
            if not lines:
                raise CommandError(
                    "No checkpoint written: SAFEGUARD_AUDIT_CHECKPOINT_FILE is not set, the "
                    "trail is empty, or the file could not be written (see the log)"
                )
            for line in lines:
                parts = line.split()
                self.stdout.write(
                    f"Checkpoint written: seq {parts[1]} of lane {parts[5]} (anchor {parts[6]})"
                )
            return
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit trail is BROKEN after {report.checked} good entries: {report.problems[0]}"
            )
        self.stdout.write(
            f"Audit trail OK: {report.checked} entries, chain intact ({report.lanes} lane(s), "
            f"{report.anchors_checked} anchors)"
        )
        if report.checkpoint_file:
            self.stdout.write(
                f"Checkpoints: {report.checkpoints_matched} matched in {report.checkpoint_file}"
                f" (newest at seq {report.last_checkpoint_seq} of lane "
                f"{report.last_checkpoint_lane})"
            )
        else:
            self.stdout.write(
                "Warning: no checkpoint file (SAFEGUARD_AUDIT_CHECKPOINT_FILE), so entries "
                "removed from the end, or the whole trail, cannot be detected"
            )
