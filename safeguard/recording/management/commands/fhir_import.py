"""`safeguard fhir-import FILE... --source AGENCY`: store FHIR R4 prescribing and dispensing
messages (MedicationRequest, MedicationDispense) in the children's chronologies.

Each file is one message, imported on its own: a rejected file is reported with its reason
and stores nothing; the others are still imported. The exit status is 1 if any was rejected.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safeguard.access.audit import audit_context
from safeguard.accounts.models import Agency
from safeguard.recording.fhir import FhirRejected, import_message


class Command(BaseCommand):
    help = "Import FHIR R4 MedicationRequest / MedicationDispense JSON messages"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="JSON files, one FHIR resource each")
        parser.add_argument(
            "--source", required=True, help="Code of the agency that sent the messages"
        )

    def handle(self, *args, files, source, **options):
        try:
            agency = Agency.objects.get(code=source)
        except Agency.DoesNotExist:
            raise CommandError(f"No agency with code {source!r}") from None
        rejected = 0
        for name in files:
            path = Path(name)
            try:
                with audit_context(via="fhir-import"):
                    events = import_message(path.read_bytes(), actor=None, source_agency=agency)
            except OSError as exc:
                rejected += 1
                self.stderr.write(f"{name}: rejected: cannot read the file ({exc.strerror})")
                continue
            except FhirRejected as exc:
                rejected += 1
                self.stderr.write(f"{name}: rejected: {exc.reason}")
                continue
            kinds = ", ".join(e.event_type for e in events)
            self.stdout.write(f"{name}: stored {kinds} for child {events[0].child.local_id}")
        if rejected:
            raise CommandError(
                f"{rejected} of {len(files)} message(s) rejected; nothing stored from them"
            )
