"""The `safeguard` console command: Django's management commands behind one name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    from django.core.management import execute_from_command_line

    args = list(argv if argv is not None else sys.argv[1:])
    if args and not args[0].startswith("-"):
        # Django command names cannot contain "-": `safeguard export-scenario` runs the
        # command export_scenario.
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["safeguard", *args])


if __name__ == "__main__":
    main()
