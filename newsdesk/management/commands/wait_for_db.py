"""manage.py wait_for_db: wait, a bounded time, until the database accepts connections.

For container start-up (docker-compose.yml runs it before `migrate`): a database that is
still starting is waited for; one that does not come up in time ends the wait with one
line naming the server and the reason, and exit status 1.
"""

from __future__ import annotations

import math
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

from newsdesk.database_errors import is_connection_failure, server_address, unreachable_message


class Command(BaseCommand):
    help = (
        "Wait until the database accepts connections, trying again every --interval "
        "seconds for at most --timeout seconds; exit 1 with the reason if it never does."
    )
    # The system checks need the database themselves (GeneratedField asks its version).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=60.0,
            help="Give up after this many seconds (default: %(default)s).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between attempts (default: %(default)s).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="Which entry of DATABASES to wait for (default: %(default)s).",
        )

    def handle(self, *args, timeout, interval, database, verbosity, **options):
        if timeout < 0 or interval <= 0:
            raise CommandError("--timeout must be 0 or more and --interval more than 0.")
        connection = connections[database]
        address = server_address(connection.settings_dict)
        deadline = time.monotonic() + timeout
        attempts = 0
        while True:
            attempts += 1
            remaining = deadline - time.monotonic()
            # A host that drops packets would hold one attempt for minutes: bound each
            # by what is left of the wait (libpq's minimum is 2 s).
            connect_options = connection.settings_dict.setdefault("OPTIONS", {})
            connect_options["connect_timeout"] = max(2, math.ceil(remaining))
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                break
            except (OperationalError, InterfaceError) as error:
                if not is_connection_failure(error):
                    raise
                connection.close()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CommandError(
                        f"{unreachable_message(error, alias=database)} "
                        f"(gave up after {timeout:g} s, {attempts} attempt(s))."
                    ) from None
                if attempts == 1 and verbosity:
                    self.stdout.write(
                        f"Waiting up to {timeout:g} s for the database at {address}..."
                    )
                time.sleep(min(interval, remaining))
        connection.close()
        if verbosity:
            self.stdout.write(f"The database at {address} is up (attempt {attempts}).")
