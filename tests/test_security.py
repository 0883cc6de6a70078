"""Security by default: headers on every page, deploy checks, secrets from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


def test_pages_send_the_security_headers(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def _production_env(**overrides) -> dict:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))
    }
    # Model checks connect: to the embedded server (its folder is inherited), or to the
    # test database of the server DATABASE_URL names (its own database may not exist).
    if env.get("DATABASE_URL"):
        from urllib.parse import urlsplit, urlunsplit

        from django.db import connection

        parts = urlsplit(env["DATABASE_URL"])
        test_db = "/" + connection.settings_dict["NAME"]
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=test_db))
    env.update(
        DJANGO_SECRET_KEY="a-production-like-secret-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="news.example.org",
    )
    env.update(overrides)
    return env


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_secure_settings_redirect_to_https_and_send_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    plain = client.get("/search/")
    secure = client.get("/search/", secure=True)

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
