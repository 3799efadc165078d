"""`safeguard load FILE...`: load scenario files all-or-nothing."""

from django.core.management.base import BaseCommand, CommandError

from safeguard.scenarios.loader import ScenarioError, load


class Command(BaseCommand):
    help = (
        "Load scenario files (docs/scenario-format.md) in one transaction: every record or "
        "none. An error names the file, line and path, and leaves the database unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="Scenario YAML files, loaded together")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything (writes included), then roll back: nothing is kept",
        )

    def handle(self, *args, files, dry_run, **options):
        try:
            result = load(files, dry_run=dry_run)
        except ScenarioError as exc:
            raise CommandError(f"{exc}\nNothing was loaded.") from None
        verb = "Checked (dry run, nothing kept)" if dry_run else "Loaded"
        self.stdout.write(f"{verb} {', '.join(files)}:")
        width = max((len(k) for k in result.counts), default=0)
        for kind, n in result.counts.items():
            self.stdout.write(f"  {kind.replace('_', ' '):<{width}}  {n:>6}")
