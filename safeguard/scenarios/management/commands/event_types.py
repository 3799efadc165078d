"""`safeguard event_types [--markdown]`: the registry of chronology event types."""

from django.core.management.base import BaseCommand

from safeguard.chronology.event_types import CATEGORIES, EVENT_TYPES, as_markdown


class Command(BaseCommand):
    help = "List the chronology event types (--markdown: the text of docs/event-types.md)."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="Print docs/event-types.md")

    def handle(self, *args, markdown, **options):
        if markdown:
            self.stdout.write(as_markdown(), ending="")
            return
        for code, t in EVENT_TYPES.items():
            details = ", ".join(
                f"{name}{'*' if d.required else ''}" for name, d in t.details.items()
            )
            self.stdout.write(
                f"{code:<28} {CATEGORIES.get(t.category, t.category):<26} {t.label}"
                + (f"  [{details}]" if details else "")
            )
