"""runserver that starts while the database is down, as gunicorn does.

Django's runserver runs the system checks and the migration check before it serves, and
both need the database (GeneratedField's check asks the server for its version). With the
database unreachable it would die in its thread with a traceback and serve nothing. This
one says so in one line and serves: pages answer 503 until the database is back
(newsdesk.middleware), then recover by themselves.

It wraps whichever runserver comes next in INSTALLED_APPS (whitenoise's, which turns off
Django's static file handler), so "newsdesk" must stay listed before those apps.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.db import InterfaceError, OperationalError

from newsdesk.database_errors import is_connection_failure, unreachable_message


def _next_runserver_command():
    names = [config.name for config in apps.get_app_configs()]
    for name in [*names[names.index("newsdesk") + 1 :], "django.core"]:
        try:
            return import_module(f"{name}.management.commands.runserver").Command
        except ImportError:
            continue
    raise ImportError("no runserver command")  # unreachable: django.core has one


class Command(_next_runserver_command()):
    _told_database_down = False

    def check(self, *args, **kwargs):
        try:
            return super().check(*args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            self._database_down(error, skipped="system checks")

    def check_migrations(self):
        try:
            return super().check_migrations()
        except (OperationalError, InterfaceError) as error:
            self._database_down(error, skipped="the migration check")

    def _database_down(self, error, *, skipped: str) -> None:
        if not is_connection_failure(error):
            raise error
        if not self._told_database_down:
            self._told_database_down = True
            message = unreachable_message(error)
            stop = "" if message.endswith((".", "?", "!")) else "."
            self.stderr.write(
                f"{message}{stop} Serving anyway: pages answer 503 until it is back "
                f"({skipped} skipped)."
            )
