"""`safeguard scenario_format`: the key reference of docs/scenario-format.md."""

from django.core.management.base import BaseCommand

from safeguard.scenarios.schema import reference_markdown


class Command(BaseCommand):
    help = "Print the generated key reference included in docs/scenario-format.md."

    def handle(self, *args, **options):
        self.stdout.write(reference_markdown(), ending="")
