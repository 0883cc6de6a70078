"""Starting up without what the app needs: one clear line and exit status 1, never a
traceback; and servers that start while the database is down, answer 503, and recover.

Everything runs the real manage.py, gunicorn or runserver in a subprocess with production
settings (debug off), as an operator or a container would.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time

import pytest
import yaml
from django.db import OperationalError, connection, transaction

from newsdesk.database_errors import is_connection_failure
from newsdesk.middleware import MESSAGE
from tests.conftest import SEED
from tests.servers import ROOT, database_url, free_port, production_env, start_server
from tests.test_database_down import DatabaseProxy

PASSWORD = "s3cret-pw"


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def closed_port_url() -> tuple[str, int]:
    port = free_port()
    return f"postgres://newsdesk:{PASSWORD}@127.0.0.1:{port}/newsdesk", port


def assert_one_line_and_no_traceback(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    return lines[0]


# Settings that cannot be read


def test_debug_off_without_a_secret_key_stops_manage_py_with_one_line():
    env = production_env("postgres://newsdesk@127.0.0.1:5432/newsdesk")
    del env["DJANGO_SECRET_KEY"]

    line = assert_one_line_and_no_traceback(manage("check", env=env))

    assert line.startswith("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")


def test_debug_off_without_a_secret_key_stops_the_wsgi_app_with_one_line():
    # What gunicorn imports: the same line, before any worker serves a request.
    env = production_env("postgres://newsdesk@127.0.0.1:5432/newsdesk")
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "-c", "import newsdesk.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    line = assert_one_line_and_no_traceback(result)

    assert line.startswith("DJANGO_SECRET_KEY must be set")


def test_a_debug_flag_that_is_not_a_boolean_stops_manage_py_with_one_line():
    env = production_env("postgres://newsdesk@127.0.0.1:5432/newsdesk", DJANGO_DEBUG="maybe")

    line = assert_one_line_and_no_traceback(manage("check", env=env))

    assert line == "DJANGO_DEBUG='maybe' is not a boolean (use 1 or 0)."


# The database is down or DATABASE_URL points nowhere


@pytest.mark.parametrize(
    "command",
    [
        ("migrate", "--no-input"),
        ("import_articles", str(SEED), "--no-progress"),
        ("retag",),
        ("check",),
    ],
    ids=["migrate", "import_articles", "retag", "check"],
)
def test_commands_name_the_unreachable_database_in_one_line(command):
    url, port = closed_port_url()

    line = assert_one_line_and_no_traceback(manage(*command, env=production_env(url)))

    assert line.startswith(f"Cannot reach the database at 127.0.0.1:{port} ")
    assert "database 'newsdesk', user 'newsdesk'" in line
    assert "Connection refused" in line


@pytest.mark.django_db
def test_a_database_that_does_not_exist_is_named_with_the_servers_reason():
    url = database_url(connection.settings_dict, NAME="nd_no_such_database", PASSWORD=PASSWORD)

    line = assert_one_line_and_no_traceback(manage("migrate", env=production_env(url)))

    assert line.startswith("Cannot reach the database at ")
    assert 'database "nd_no_such_database" does not exist' in line


def test_an_unknown_database_host_is_named_with_the_reason():
    url = f"postgres://newsdesk:{PASSWORD}@nowhere.invalid:5432/newsdesk"

    line = assert_one_line_and_no_traceback(manage("migrate", env=production_env(url)))

    assert line.startswith("Cannot reach the database at nowhere.invalid:5432 ")
    assert "nowhere.invalid" in line.split("): ", 1)[1]  # the reason names the host too


@pytest.mark.django_db
def test_only_connection_failures_are_shortened_to_one_line():
    # A statement the server cancels is a real OperationalError that is not about
    # reaching the server: it keeps its traceback (manage.py re-raises it).
    with (
        pytest.raises(OperationalError) as cancelled,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL statement_timeout = 10")
        cursor.execute("SELECT pg_sleep(1)")
    assert not is_connection_failure(cancelled.value)

    refused = connection.copy()
    refused.settings_dict = {**refused.settings_dict, "HOST": "127.0.0.1", "PORT": free_port()}
    with pytest.raises(OperationalError) as unreachable:
        refused.ensure_connection()
    assert is_connection_failure(unreachable.value)


# wait_for_db: the container waits for the database, a bounded time


def test_wait_for_db_gives_up_after_its_timeout_with_one_line():
    url, port = closed_port_url()
    started = time.monotonic()

    result = manage("wait_for_db", "--timeout", "2", "--interval", "0.5", env=production_env(url))

    elapsed = time.monotonic() - started
    line = assert_one_line_and_no_traceback(result)
    assert line.startswith(f"CommandError: Cannot reach the database at 127.0.0.1:{port} ")
    assert "(gave up after 2 s, " in line
    assert 2 <= elapsed < 30
    assert f"Waiting up to 2 s for the database at 127.0.0.1:{port}" in result.stdout


@pytest.mark.django_db
def test_wait_for_db_returns_as_soon_as_the_database_comes_up():
    proxy = DatabaseProxy(connection.settings_dict)
    proxy.start()
    proxy.stop()  # the port is known and closed: the database is "still starting"
    url = database_url(connection.settings_dict, HOST="127.0.0.1", PORT=str(proxy.port))
    waiting = subprocess.Popen(
        [sys.executable, "manage.py", "wait_for_db", "--timeout", "60", "--interval", "0.5"],
        cwd=ROOT,
        env=production_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        # Once it has found the database down, the database comes up.
        first = waiting.stdout.readline()
        proxy.start()
        rest, errors = waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
        proxy.stop()

    assert waiting.returncode == 0, errors
    assert errors == ""
    assert first == f"Waiting up to 60 s for the database at 127.0.0.1:{proxy.port}...\n"
    (up,) = rest.strip().splitlines()
    assert up.startswith(f"The database at 127.0.0.1:{proxy.port} is up (attempt ")
    assert int(up.rsplit(" ", 1)[1].rstrip(").")) > 1


def test_compose_waits_for_the_database_a_bounded_time_before_migrating():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["command"]
    steps = [step.strip() for step in command.replace("sh -c", "").strip(' "\n').split("&&")]

    wait, migrate = shlex.split(steps[0]), shlex.split(steps[1])
    assert wait[:3] == ["python", "manage.py", "wait_for_db"]
    assert 0 < float(wait[wait.index("--timeout") + 1]) <= 300
    assert migrate[:3] == ["python", "manage.py", "migrate"]
    assert steps[2].startswith("gunicorn ")


# Servers start while the database is down, answer 503, and recover


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["gunicorn", "runserver"])
def test_server_starts_while_the_database_is_down_answers_503_and_recovers(
    kind, collected_static, tmp_path
):
    proxy = DatabaseProxy(connection.settings_dict)
    proxy.start()
    proxy.stop()
    url = database_url(connection.settings_dict, HOST="127.0.0.1", PORT=str(proxy.port))
    server = start_server(
        kind,
        url=url,
        static_root=collected_static,
        log_path=tmp_path / f"{kind}.log",
        gunicorn_args=("--workers", "1"),
    )
    try:
        health = server.get("/healthz")
        page = server.get("/search/?q=geneva")
        api = server.get("/api/articles/?q=geneva")

        assert health.status == 503
        assert page.status == 503
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["retry-after"] == "30"
        assert "The archive is temporarily unavailable" in page.text
        assert api.status == 503
        assert api.headers["content-type"] == "application/json"
        assert MESSAGE in api.text
        if kind == "runserver":
            # It said why it skipped its start-up checks, in one line, and served.
            notes = [line for line in server.log().splitlines() if "Cannot reach" in line]
            assert len(notes) == 1, server.log()
            assert notes[0].startswith(f"Cannot reach the database at 127.0.0.1:{proxy.port} ")
            assert notes[0].endswith(
                "Serving anyway: pages answer 503 until it is back (system checks skipped)."
            )

        proxy.start()  # the database is back
        deadline = time.monotonic() + 20
        while server.get("/healthz").status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)

        assert server.get("/healthz").status == 200
        assert server.get("/search/?q=geneva").status == 200
        assert server.get("/api/articles/?q=geneva").status == 200
        assert server.is_running()
        assert "Traceback" not in server.log()
    finally:
        server.stop()
        proxy.stop()
