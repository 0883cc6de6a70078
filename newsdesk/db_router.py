"""Read replicas: reads go to a replica, everything that must see its own writes to primary.

Configured by `DATABASE_REPLICA_URLS` (settings.py adds `replica_1`, `replica_2`, ... and
this router only when it is set). The rules, in order:

- writes and migrations: "default", always;
- reads of auth, admin, sessions, contenttypes and axes (login throttling) models:
  "default" (a login, a session, a lockout must never read stale rows);
- reads while "default" is inside a transaction, or after this request wrote anything,
  or during an admin request or an unsafe (POST, ...) request: "default", so nobody
  reads around their own write through a lagging replica;
- any other read: a random replica.

The per-request state lives in a context variable reset by Django's request signals,
so it never leaks from one request to the next on the same worker thread.
"""

from __future__ import annotations

import random
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections

# Apps whose reads always go to primary.
PRIMARY_ONLY_APPS = frozenset({"auth", "admin", "sessions", "contenttypes", "axes"})
REPLICA_PREFIX = "replica_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_pinned: ContextVar[bool] = ContextVar("newsdesk_pinned_to_primary", default=False)


def pin_to_primary() -> None:
    """Send this request's remaining reads to primary (done after any write)."""
    _pinned.set(True)


def is_pinned() -> bool:
    return _pinned.get()


def _request_started(sender, environ=None, **kwargs) -> None:
    environ = environ or {}
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET").upper()
    _pinned.set(path.startswith("/admin/") or method not in SAFE_METHODS)


def _request_finished(sender, **kwargs) -> None:
    _pinned.set(False)


def replica_aliases() -> list[str]:
    """The replica aliases settings.py configured from DATABASE_REPLICA_URLS."""
    return sorted(alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX))


class ReplicaRouter:
    """Route reads to replicas and writes, migrations and pinned reads to "default"."""

    def __init__(self, replicas: list[str] | None = None, *, choose=random.choice):
        self.replicas = list(replicas) if replicas is not None else replica_aliases()
        self.choose = choose
        request_started.connect(_request_started, dispatch_uid="newsdesk_replica_pin")
        request_finished.connect(_request_finished, dispatch_uid="newsdesk_replica_unpin")

    @property
    def databases(self) -> frozenset[str]:
        return frozenset({DEFAULT_DB_ALIAS, *self.replicas})

    def db_for_read(self, model, **hints) -> str:
        if not self.replicas or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if is_pinned() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db in self.databases:
            # Related rows of an object come from where the object came from.
            return instance._state.db
        return self.choose(self.replicas)

    def db_for_write(self, model, **hints) -> str:
        pin_to_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Replicas hold the same rows as primary: objects from any of them may relate.
        if obj1._state.db in self.databases and obj2._state.db in self.databases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
