"""One line for "the database cannot be reached", for commands and the development server.

A refused connection, a wrong password or a database that does not exist is an operator's
problem, not a bug: a traceback through Django's connection machinery buries the two facts
that matter, which server and why. `manage.py` and `runserver` print this line instead.
The password is never part of it.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

# SQLSTATEs that mean "no usable connection" rather than a failing statement: connection
# exceptions (class 08), invalid authorization (28), no such database (3D000), the server
# shutting down or starting up (57P01-57P03), too many connections (53300). Errors raised
# before the server answered at all (refused, unknown host, timeout) carry none.
CONNECTION_SQLSTATES = ("08", "28", "3D000", "57P01", "57P02", "57P03", "53300")


def is_connection_failure(error: BaseException) -> bool:
    """True when `error` says the database cannot be used at all.

    Other OperationalErrors (a deadlock, a cancelled statement) are not about reaching
    the server, and keep their traceback.
    """
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(CONNECTION_SQLSTATES)


def server_address(settings_dict: dict) -> str:
    """HOST:PORT of a DATABASES entry, as libpq reads the blanks (a Unix socket or 5432)."""
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or "5432"
    return f"{host}:{port}"


def unreachable_message(error: BaseException, *, alias: str = "default") -> str:
    """'Cannot reach the database at HOST:PORT (database NAME, user USER): REASON', on one
    line, with the password masked should the driver ever quote it."""
    from django.db import connections

    settings_dict = connections[alias].settings_dict
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = ""
    for line in lines:  # libpq adds hints on lines of their own: keep them, as sentences
        reason = f"{reason}{'' if not reason or reason[-1] in '.?!:' else '.'} {line}".strip()
    password = settings_dict.get("PASSWORD")
    if password:
        reason = reason.replace(str(password), "***")
    return (
        f"Cannot reach the database at {server_address(settings_dict)} "
        f"(database {settings_dict.get('NAME')!r}, user {settings_dict.get('USER')!r}): "
        f"{reason or type(error).__name__}"
    )
