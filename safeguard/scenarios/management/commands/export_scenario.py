"""`safeguard export-scenario --child ID [--out FILE]`: a child's whole record as a scenario.

The file loads into an empty database as the same record (docs/scenario-format.md,
"Exporting a record"), and is how a case is handed to `safeguard replay`.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from safeguard.access.audit import audit_context, record_command_read
from safeguard.access.models import AuditAction
from safeguard.children.models import Child
from safeguard.scenarios.export import ExportError, export_yaml

VIA = "export-scenario"


def find_child(ref: str) -> Child:
    """A child by local id, or by database id when `ref` is a number no local id matches."""
    child = Child.objects.filter(local_id=ref).first()
    if child is None and ref.isdigit():
        child = Child.objects.filter(pk=int(ref)).first()
    if child is None:
        raise CommandError(f"No child with local id or id {ref!r}.")
    return child


class Command(BaseCommand):
    help = (
        "Write a child's whole record as a scenario file (docs/scenario-format.md). The "
        "export is an audited read of the record."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--child", required=True, metavar="ID", help="The child's local id (or database id)"
        )
        parser.add_argument(
            "--out", metavar="FILE", help="File to write (default: standard output)"
        )

    def handle(self, *args, child, out, **options):
        record = find_child(child)
        try:
            # The export and its audit entry in one transaction: no entry, no file.
            with transaction.atomic(), audit_context(via=VIA):
                text = export_yaml(record)
                record_command_read(record, area="export", action=AuditAction.EXPORT, via=VIA)
        except ExportError as exc:
            raise CommandError(f"Cannot export {record.local_id}: {exc}") from None
        if out:
            try:
                Path(out).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {out}: {exc}") from None
            self.stderr.write(f"Exported {record.local_id} to {out}")
        else:
            self.stdout.write(text, ending="")
