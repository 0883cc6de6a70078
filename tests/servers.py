"""The real app in a subprocess (gunicorn or runserver) with production settings, spoken to
over loopback HTTP: for tests that must see what a deployed server does, not the test
client's shortcut through Django.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "a-secret-key-for-servers-started-by-tests"


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict, **replace: str) -> str:
    """settings_dict (a DATABASES entry) as a DATABASE_URL; `replace` overrides HOST,
    PORT, NAME, USER or PASSWORD. A Unix socket directory (the embedded server) is
    %-encoded into the host, as dj-database-url reads it."""
    parts = {key: str(settings_dict.get(key) or "") for key in ("HOST", "PORT", "NAME")}
    parts.update(USER=str(settings_dict.get("USER") or ""))
    parts.update(PASSWORD=str(settings_dict.get("PASSWORD") or ""))
    parts.update(replace)
    credentials = quote(parts["USER"], safe="")
    if parts["PASSWORD"]:
        credentials += ":" + quote(parts["PASSWORD"], safe="")
    host = quote(parts["HOST"] or "localhost", safe="")
    port = f":{parts['PORT']}" if parts["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(parts['NAME'], safe='')}"


def production_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a production process: debug off, a real secret key, plain HTTP
    on loopback (DJANGO_SECURE=0, as behind a TLS-terminating proxy), and `url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.pop("DATABASE_REPLICA_URLS", None)
    env.update(
        DATABASE_URL=url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_SECURE="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    def get(self, target: str, *, timeout: float = 30) -> Response:
        """GET `target` (path and query, already %-encoded: sent byte for byte)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", target)
            response = connection.getresponse()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return Response(response.status, headers, response.read())
        finally:
            connection.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.is_running():
            # SIGINT: gunicorn's quick shutdown (SIGTERM waits for its workers), and
            # runserver's Ctrl-C.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def start_server(
    kind: str,
    *,
    url: str,
    static_root: Path,
    log_path: Path,
    gunicorn_args: tuple[str, ...] = (),
    ready_within: float = 60,
) -> Server:
    """Start `gunicorn` (as docker-compose.yml runs it) or `manage.py runserver` on a free
    loopback port; return once it answers HTTP (any status)."""
    port = free_port()
    if kind == "gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "newsdesk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            *gunicorn_args,
        ]
    elif kind == "runserver":
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    else:
        raise ValueError(kind)
    env = production_env(
        url,
        DJANGO_SETTINGS_MODULE="tests.server_settings",
        NEWSDESK_TEST_STATIC_ROOT=str(static_root),
    )
    log = log_path.open("wb")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    log.close()
    server = Server(process, port, log_path)
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if not server.is_running():
            raise RuntimeError(f"{kind} exited with {process.returncode}:\n{server.log()}")
        with contextlib.suppress(OSError):
            server.get("/healthz", timeout=5)
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{kind} did not answer within {ready_within} s:\n{server.log()}")
