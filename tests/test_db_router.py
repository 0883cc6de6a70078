"""The read-replica router's decisions, and that without replicas nothing changes.

The router is instantiated directly with made-up replica aliases: no replica is needed.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.signals import request_finished, request_started
from django.db import connections

from articles.models import Article, Person
from newsdesk import db_router
from newsdesk.db_router import ReplicaRouter

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "newsdesk" / "settings.py"


@pytest.fixture
def router():
    """Two replicas; `choose` takes the last, so tests can tell a replica was chosen."""
    router = ReplicaRouter(["replica_1", "replica_2"], choose=lambda aliases: aliases[-1])
    token = db_router._pinned.set(False)
    yield router
    db_router._pinned.reset(token)


def test_reads_of_archive_models_go_to_a_replica(router):
    assert router.db_for_read(Article) == "replica_2"
    assert router.db_for_read(Person) == "replica_2"


def test_replicas_are_chosen_at_random_among_those_configured():
    router = ReplicaRouter(["replica_1", "replica_2", "replica_3"])
    db_router._pinned.set(False)
    chosen = {router.db_for_read(Article) for _ in range(200)}
    assert chosen == {"replica_1", "replica_2", "replica_3"}


@pytest.mark.parametrize("model", [User, LogEntry, Session, ContentType])
def test_reads_of_auth_admin_sessions_and_contenttypes_stay_on_primary(router, model):
    assert router.db_for_read(model) == "default"


def test_writes_go_to_primary(router):
    assert router.db_for_write(Article) == "default"
    assert router.db_for_write(User) == "default"


# Request signals run close_old_connections on any open connection; no test transaction
# around it, which the router would rightly read as "stay on primary".
@pytest.mark.django_db(transaction=True)
def test_reads_after_a_write_in_the_same_request_stay_on_primary(router):
    request_started.send(sender=None, environ={"PATH_INFO": "/search/", "REQUEST_METHOD": "GET"})
    assert router.db_for_read(Article) == "replica_2"
    router.db_for_write(Article)
    assert router.db_for_read(Article) == "default"
    request_finished.send(sender=None)
    assert router.db_for_read(Article) == "replica_2"


# Request signals run close_old_connections on any open connection; no test transaction
# around it, which the router would rightly read as "stay on primary".
@pytest.mark.django_db(transaction=True)
def test_a_new_request_starts_unpinned(router):
    router.db_for_write(Article)
    request_started.send(sender=None, environ={"PATH_INFO": "/", "REQUEST_METHOD": "GET"})
    assert router.db_for_read(Article) == "replica_2"


# Request signals run close_old_connections on any open connection; no test transaction
# around it, which the router would rightly read as "stay on primary".
@pytest.mark.django_db(transaction=True)
def test_admin_requests_read_from_primary(router):
    request_started.send(
        sender=None, environ={"PATH_INFO": "/admin/articles/article/", "REQUEST_METHOD": "GET"}
    )
    assert router.db_for_read(Article) == "default"


# Request signals run close_old_connections on any open connection; no test transaction
# around it, which the router would rightly read as "stay on primary".
@pytest.mark.django_db(transaction=True)
def test_unsafe_requests_read_from_primary(router):
    request_started.send(sender=None, environ={"PATH_INFO": "/search/", "REQUEST_METHOD": "POST"})
    assert router.db_for_read(Article) == "default"


def test_reads_inside_a_transaction_stay_on_primary(router, monkeypatch):
    # The wrapper itself, not the `connection` proxy: undoing a patch made through the
    # proxy would delete the attribute from the real connection.
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    assert router.db_for_read(Article) == "default"


def test_related_reads_follow_the_instance_they_start_from(router):
    article = Article(title="x")
    article._state.db = "replica_1"
    assert router.db_for_read(Person, instance=article) == "replica_1"


def test_without_replicas_every_read_goes_to_primary():
    assert ReplicaRouter([]).db_for_read(Article) == "default"


def test_migrations_run_on_primary_only(router):
    assert router.allow_migrate("default", "articles") is True
    assert router.allow_migrate("replica_1", "articles") is False
    assert router.allow_migrate("replica_2", "auth", model_name="user") is False


def test_relations_are_allowed_between_primary_and_replicas(router):
    one, other = Article(title="a"), Person(name="b")
    one._state.db, other._state.db = "default", "replica_1"
    assert router.allow_relation(one, other) is True
    other._state.db = "elsewhere"
    assert router.allow_relation(one, other) is None


def _settings_with(monkeypatch, **env) -> dict:
    """Run settings.py afresh with this environment (a DATABASE_URL: no embedded server)."""
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@primary.example:5432/newsdesk")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "test-only")
    monkeypatch.delenv("DATABASE_REPLICA_URLS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_without_replica_urls_settings_have_one_database_and_no_router(monkeypatch):
    namespace = _settings_with(monkeypatch)
    assert list(namespace["DATABASES"]) == ["default"]
    assert "DATABASE_ROUTERS" not in namespace


def test_replica_urls_become_mirrored_aliases_and_the_router(monkeypatch):
    namespace = _settings_with(
        monkeypatch,
        DATABASE_REPLICA_URLS="postgres://u:p@r1.example/newsdesk, postgres://u:p@r2.example/newsdesk",
    )
    databases = namespace["DATABASES"]
    assert list(databases) == ["default", "replica_1", "replica_2"]
    assert databases["replica_1"]["HOST"] == "r1.example"
    assert databases["replica_2"]["HOST"] == "r2.example"
    assert databases["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert namespace["DATABASE_ROUTERS"] == ["newsdesk.db_router.ReplicaRouter"]


def test_the_test_run_itself_has_no_replicas_configured():
    assert list(settings.DATABASES) == ["default"]
    assert settings.DATABASE_ROUTERS == []
