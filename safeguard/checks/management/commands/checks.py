"""`safeguard checks run|list|docs|calendar`."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safeguard.checks.calendar import fill_calendar
from safeguard.checks.docs import as_markdown
from safeguard.checks.engine import catalogue
from safeguard.checks.services import evaluate, run_checks
from safeguard.core.workdays import CalendarRangeError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of: {value!r} is not a date (expected YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Safeguarding checks: run the sweep, list the catalogue, generate docs/checks.md."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Evaluate every check and update the alerts")
        run.add_argument("--as-of", type=str, default=None, help="YYYY-MM-DD (default today)")
        run.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the findings and change no alert (to look at a past day on a live "
            "database: a real run as of a past day moves the live alerts to that day)",
        )
        sub.add_parser("list", help="Print the catalogue")
        docs = sub.add_parser("docs", help="Print docs/checks.md (generated from the catalogue)")
        docs.add_argument("--output", default=None, help="Write to this file instead")
        sub.add_parser("calendar", help="Rebuild the working-day calendar from `holidays`")

    def handle(self, *args, action, **options):
        if action == "run":
            as_of = _date(options["as_of"]) if options["as_of"] else None
            started = time.perf_counter()
            if options["dry_run"]:
                self._dry_run(as_of or timezone.localdate())
                return
            try:
                result = run_checks(as_of=as_of)
            except CalendarRangeError as exc:
                raise CommandError(str(exc)) from None
            elapsed = time.perf_counter() - started
            self.stdout.write(
                f"Checks as of {result.as_of}: {result.findings} findings; "
                f"{result.count('raised')} raised, {result.count('reopened')} reopened, "
                f"{result.resolved} resolved ({elapsed:.2f}s)"
            )
        elif action == "list":
            for check in catalogue():
                self.stdout.write(f"{check.id}  [{check.severity}]  {check.title}")
                self.stdout.write(f"    source: {'; '.join(str(s) for s in check.sources)}")
                self.stdout.write(f"    tells: {', '.join(check.role_labels())}")
                for name, threshold in check.thresholds.items():
                    self.stdout.write(f"    {name} = {check.threshold(name)} ({threshold.help})")
        elif action == "docs":
            text = as_markdown()
            if options["output"]:
                with open(options["output"], "w", encoding="utf-8") as fh:
                    fh.write(text)
            else:
                self.stdout.write(text, ending="")
        elif action == "calendar":
            self.stdout.write(f"Calendar rebuilt: {fill_calendar()} days")

    def _dry_run(self, as_of):
        try:
            findings = evaluate(as_of)
        except CalendarRangeError as exc:
            raise CommandError(str(exc)) from None
        total = sum(len(f) for f in findings.values())
        self.stdout.write(f"Checks as of {as_of} (dry run, no alert changed): {total} findings")
        for check_id, found in findings.items():
            for (child_id, subject), finding in sorted(found.items()):
                self.stdout.write(
                    f"{check_id}  child {child_id}  {subject}  due {finding.due_date}"
                    f"{'  (approximate)' if finding.approximate else ''}"
                )
