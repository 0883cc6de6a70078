"""The database goes away: readers get a 503 page, API clients a 503 JSON error, and the
site comes back by itself; a malformed DATABASE_URL stops the process with one line."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    close_old_connections,
    connection,
)

from newsdesk.middleware import MESSAGE, DatabaseUnavailableMiddleware

ROOT = Path(__file__).resolve().parents[1]


class DatabaseProxy:
    """A TCP proxy in front of the test database that can be stopped and restarted.

    Stopping it closes the listening socket and every proxied connection, so the app sees
    what it sees when the server goes down: its open connection reset, new ones refused.
    """

    def __init__(self, settings_dict: dict):
        host, port = settings_dict["HOST"], settings_dict["PORT"] or "5432"
        if host.startswith("/"):  # the embedded server listens on a Unix socket
            self.upstream = (socket.AF_UNIX, f"{host}/.s.PGSQL.{port}")
        else:
            self.upstream = (socket.AF_INET, (host or "127.0.0.1", int(port)))
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))  # the same port again after a stop
        listener.listen()
        self.port = listener.getsockname()[1]
        self._track(listener)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            family, address = self.upstream
            server = socket.socket(family, socket.SOCK_STREAM)
            server.connect(address)
            self._track(client)
            self._track(server)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def database(transactional_db):
    """The app's connection goes through a DatabaseProxy for the length of the test."""
    proxy = DatabaseProxy(connection.settings_dict)
    proxy.start()
    saved = {name: connection.settings_dict[name] for name in ("HOST", "PORT", "CONN_MAX_AGE")}
    connection.close()
    # A persistent connection, as DATABASE_URL configures: the outage cuts it mid-life.
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port), CONN_MAX_AGE=60)
    yield proxy
    proxy.stop()
    connection.close()
    connection.settings_dict.update(saved)


def get(client, url):
    response = client.get(url)
    # What a WSGI server does at the end of every request (the test client leaves it
    # out): Django closes a connection that has failed, so the next request reconnects.
    close_old_connections()
    return response


def test_pages_and_api_answer_503_while_the_database_is_down_then_recover(client, database):
    # (Not "/" while the archive is empty: the home page fails then, a separate bug.)
    assert get(client, "/search/?q=geneva").status_code == 200  # connected via the proxy

    database.stop()
    home = get(client, "/")  # the open connection is cut under it
    search = get(client, "/search/?q=geneva")  # a new connection is refused
    api = get(client, "/api/articles/?q=geneva")

    for page in (home, search):
        assert page.status_code == 503
        assert page["Content-Type"].startswith("text/html")
        assert page["Retry-After"] == "30"
        assert "The archive is temporarily unavailable" in page.content.decode()
        assert "Traceback" not in page.content.decode()
    assert api.status_code == 503
    assert api["Content-Type"] == "application/json"
    assert api.json() == {"errors": {"database": [MESSAGE]}}

    database.start()
    assert get(client, "/search/?q=geneva").status_code == 200
    assert get(client, "/api/articles/?q=geneva").status_code == 200


def test_only_connection_failures_become_503s(rf):
    # A bug in a query (ProgrammingError) or bad data (DataError, IntegrityError) must
    # stay a 500 that someone looks at, not hide behind "temporarily unavailable".
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = rf.get("/search/")

    assert middleware.process_exception(request, ProgrammingError("no such column")) is None
    assert middleware.process_exception(request, DataError("bad date")) is None
    assert middleware.process_exception(request, IntegrityError("duplicate key")) is None
    assert middleware.process_exception(request, InterfaceError("closed")).status_code == 503
    assert middleware.process_exception(request, OperationalError("refused")).status_code == 503


def _run_with_database_url(url: str, *command: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL=url, DJANGO_SECRET_KEY="a-secret-for-this-test", DJANGO_DEBUG="0")
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysqlx://editor:s3cret-pw@db/newsdesk", "unknown scheme 'mysqlx'"),
        ("postgres://editor:s3cret-pw@db:54x2/newsdesk", "DATABASE_URL is malformed"),
        ("editor:s3cret-pw@db/newsdesk", "not a URL"),
        ("mysql://editor:s3cret-pw@db/newsdesk", "must name a PostgreSQL database"),
        ("postgres://editor:s3cret-pw@db:5432/", "names no database"),
    ],
)
def test_a_malformed_database_url_stops_manage_py_with_one_clear_line(url, reason):
    result = _run_with_database_url(url, "manage.py", "check")

    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("DATABASE_URL ")
    assert reason in result.stderr
    assert "s3cret-pw" not in result.stderr  # the password is never echoed


def test_a_malformed_database_url_stops_the_wsgi_app_with_one_clear_line():
    result = _run_with_database_url(
        "postgress://editor:s3cret-pw@db/newsdesk", "-c", "import newsdesk.wsgi"
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "DATABASE_URL is malformed: unknown scheme 'postgress' "
        "(expected postgres://USER:PASSWORD@HOST:PORT/NAME, special characters %-encoded)."
    ]
