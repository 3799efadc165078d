"""`safeguard replay FILE... [--out alerts.csv]`: when would the checks have spoken?"""

from __future__ import annotations

import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from safeguard.checks.replay import replay, scratch_database, write_csv


class Command(BaseCommand):
    help = (
        "Replay scenario files day by day in a scratch database (a fresh SQLite file in a "
        "temporary directory, never the configured database) and print every alert raised "
        "and cleared, with its date."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="Scenario YAML files, replayed together")
        parser.add_argument("--out", default=None, help="Also write the alerts to this CSV file")

    def handle(self, *args, files, out=None, **options):
        from safeguard.scenarios.loader import ScenarioError, parse_files

        started = time.perf_counter()
        with scratch_database():
            try:
                scenario = parse_files(files)
                rows = replay(scenario)
            except ScenarioError as exc:
                raise CommandError(f"{exc}\nNothing was replayed.") from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Replayed {', '.join(files)} from {scenario.first_date} to {scenario.last_date}"
        )
        for row in rows:
            self.stdout.write(row.as_text())
        counts = Counter(r.change for r in rows)
        self.stdout.write(
            f"{counts['raised'] + counts['reopened']} raised, "
            f"{counts['resolved']} resolved by a record, {counts['ended']} ended (the duty "
            f"stopped applying), {counts['condition_cleared']} cleared after closing "
            f"({elapsed:.1f}s)"
        )
        if out:
            write_csv(rows, out)
            self.stdout.write(f"Wrote {len(rows)} rows to {out}")
