"""The deployment files hang together: docker-compose.yml, the Dockerfile, .env.example and
the settings module, checked without Docker."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = ROOT / "Dockerfile"
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?P<rest>[^}]*)\}")


def settings_env_names() -> set[str]:
    """Every variable the settings read through newsdesk.env (env_str/env_bool/env_list)."""
    source = "\n".join(path.read_text() for path in (ROOT / "newsdesk").glob("*.py"))
    return set(re.findall(r"env_(?:str|bool|list)\(\s*[\"']([A-Z0-9_]+)[\"']", source))


def web_command() -> str:
    command = COMPOSE["services"]["web"]["command"]
    return command if isinstance(command, str) else shlex.join(command)


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    return [line.strip() for line in joined.splitlines() if line.strip() and line[0] != "#"]


def test_the_settings_reader_pattern_finds_the_variables_the_settings_read():
    # Guards the grep below: if it found nothing, every "is read" check would be vacuous.
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"} <= settings_env_names()


def test_db_has_a_pg_isready_healthcheck_for_its_own_user_and_database():
    db = COMPOSE["services"]["db"]
    test = db["healthcheck"]["test"]
    command = test[1] if test[0] == "CMD-SHELL" else shlex.join(test[1:])
    argv = shlex.split(command)

    assert argv[0] == "pg_isready"
    assert argv[argv.index("-U") + 1] == db["environment"]["POSTGRES_USER"]
    assert argv[argv.index("-d") + 1] == db["environment"]["POSTGRES_DB"]
    assert db["healthcheck"]["retries"] >= 3


def test_web_waits_for_a_healthy_db():
    assert COMPOSE["services"]["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_web_runs_migrations_then_gunicorn_only_if_they_succeed():
    command = web_command()
    migrate = command.index("manage.py migrate --no-input")
    gunicorn = command.index("gunicorn newsdesk.wsgi")

    assert migrate < gunicorn
    # `&&`, not `;`: a failed migration must not leave the app serving the old schema.
    assert command[migrate:gunicorn].rstrip().endswith("&&")
    assert "--bind 0.0.0.0:8000" in command[gunicorn:]


def test_every_variable_web_passes_is_read_by_the_settings():
    passed = set(COMPOSE["services"]["web"]["environment"])

    assert passed, "web passes no environment at all"
    assert passed <= settings_env_names(), passed - settings_env_names()


def test_web_reaches_the_db_service_as_its_user_and_database():
    db_env = COMPOSE["services"]["db"]["environment"]
    url = urlsplit(COMPOSE["services"]["web"]["environment"]["DATABASE_URL"])

    assert url.scheme in {"postgres", "postgresql"}
    assert url.hostname == "db"
    assert url.username == db_env["POSTGRES_USER"]
    assert url.path == f"/{db_env['POSTGRES_DB']}"
    assert url.password == "${POSTGRES_PASSWORD}"  # the same secret as the db's, from .env


def test_secrets_come_from_env_and_are_required():
    text = (ROOT / "docker-compose.yml").read_text()
    interpolated: dict[str, set[str]] = {}
    for match in INTERPOLATION.finditer(text):
        interpolated.setdefault(match["name"], set()).add(match["rest"])
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }

    # Compose interpolates the whole file first, so one `${NAME:?message}` stops
    # `docker compose up` when NAME is unset, wherever else NAME is used.
    for secret in ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY"):
        assert any(rest.startswith(":?") for rest in interpolated[secret]), (
            f"{secret} must be required: ${{{secret}:?message}}"
        )
    assert set(interpolated) <= example, set(interpolated) - example


def test_the_dockerfile_collects_static_files_with_settings_that_load():
    instructions = dockerfile_instructions()
    collect = next(
        (line for line in instructions if "manage.py collectstatic" in line and line[:3] == "RUN"),
        None,
    )

    assert collect is not None, "the image does not collect static files"
    assert "--no-input" in collect
    # The build has no database and no real secret: the settings must still load with
    # the placeholders the Dockerfile gives them.
    build_env = dict(re.findall(r"([A-Z_]+)=(\S+)", collect.split("python", 1)[0]))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL"} <= set(build_env)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.pop("DATABASE_URL", None)
    env.update(build_env)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "newsdesk.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_web_healthcheck_url_answers(client):
    healthcheck = " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])
    path = urlsplit(re.search(r"http://[^'\" ]+", healthcheck)[0]).path

    response = client.get(path)

    assert response.status_code == 200
