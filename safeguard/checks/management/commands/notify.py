"""`safeguard notify send|digest`: alerts by email (safeguard/checks/delivery.py).

Run `send` from cron every few minutes and `digest` once a day (after the nightly sweep).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safeguard.checks.delivery import queue_digests, send_queued


class Command(BaseCommand):
    help = "Alert emails: send what is queued, or queue the daily digest."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("send", help="Send queued messages that are due (retrying failures)")
        digest = sub.add_parser("digest", help="Queue each professional's daily digest")
        digest.add_argument("--as-of", default=None, help="YYYY-MM-DD (default today)")

    def handle(self, *args, action, **options):
        if action == "send":
            counts = send_queued()
            self.stdout.write(
                f"Sent {counts['sent']}; {counts['retrying']} to retry; "
                f"{counts['failed']} failed (gave up: see Outbox in the admin)"
            )
            return
        as_of = timezone.localdate()
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of: {options['as_of']!r} is not a date (expected YYYY-MM-DD)"
                ) from None
        queued = queue_digests(as_of)
        self.stdout.write(f"Queued {len(queued)} digest(s) as of {as_of}")
