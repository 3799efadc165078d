"""`safeguard demo`: load the demo partnership (once) and serve Safeguard locally."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from safeguard.accounts.models import Role, User
from safeguard.children.models import Child
from safeguard.scenarios.loader import ScenarioError, load

DEMO_FILES = ("demo.yaml", "sarah.yaml", "worcestershire.yaml")
DEMO_PASSWORD = "safeguard-demo"


class Command(BaseCommand):
    help = (
        "Load scenarios/demo.yaml and scenarios/sarah.yaml into an empty database, print the "
        "demo sign-ins and run the development server. Only in SAFEGUARD_MODE=demo or test."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="Address to serve on")
        parser.add_argument(
            "--no-serve", action="store_true", help="Load and print sign-ins, but do not serve"
        )

    def handle(self, *args, addrport, no_serve, **options):
        if settings.MODE not in ("demo", "test"):
            raise CommandError(
                "safeguard demo loads invented records and accounts with a published password: "
                f"it only runs with SAFEGUARD_MODE=demo (this is {settings.MODE!r})."
            )
        if Child.objects.exists():
            self.stdout.write("The database already has children: not loading the demo again.")
        else:
            paths = [settings.PROJECT_DIR / "scenarios" / name for name in DEMO_FILES]
            try:
                result = load(paths)
            except ScenarioError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Loaded the demo partnership: {result.summary()}.")
        self.print_sign_ins()
        if not no_serve:
            call_command("runserver", addrport, use_reloader=False)

    def print_sign_ins(self):
        users = [u for u in User.objects.select_related("agency") if u.has_usable_password()]
        order = {role: i for i, role in enumerate(Role.values)}
        users.sort(key=lambda u: (order.get(u.role, 99), u.username))
        if not users:
            return
        rows = [("Username", "Role", "Agency")] + [
            (u.username, u.get_role_display(), u.agency.name if u.agency else "") for u in users
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password for every account: {DEMO_PASSWORD})")
        for i, row in enumerate(rows):
            line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            self.stdout.write(("  " + line).rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write("")
