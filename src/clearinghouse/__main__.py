"""The `clearinghouse` command: Django's management commands under one name."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["solve"]:
        # The pure solver needs no database: it runs without setting Django up.
        from clearinghouse.planning.solver.cli import main as solve

        sys.exit(solve(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearinghouse.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args[:1] in (["export-instance"], ["verify-audit"]):
        args[0] = args[0].replace("-", "_")  # Django names commands after their modules
    execute_from_command_line(["clearinghouse", *args])


if __name__ == "__main__":
    main()
