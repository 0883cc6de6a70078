#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
    from django.core.management import execute_from_command_line
    from django.db import InterfaceError, OperationalError

    try:
        execute_from_command_line(sys.argv)
    except (OperationalError, InterfaceError) as error:
        # The database is down or DATABASE_URL points nowhere: say which server and why
        # in one line (exit status 1), as the settings do for a malformed DATABASE_URL.
        from newsdesk.database_errors import is_connection_failure, unreachable_message

        if not is_connection_failure(error):
            raise
        raise SystemExit(unreachable_message(error)) from None


if __name__ == "__main__":
    main()
