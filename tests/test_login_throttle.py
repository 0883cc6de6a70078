"""Admin login throttling (django-axes): 5 failures for one username from one IP lock
that pair out for a while, with a clear message; a success clears the count."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "a-long-editor-password"
LOCKED = "Too many failed logins"


@pytest.fixture
def editor(settings):
    # A fast hasher: these tests make dozens of logins, and throttling is not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return get_user_model().objects.create_user("editor", password=PASSWORD, is_staff=True)


def log_in(client, password, *, username="editor", ip="203.0.113.7"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def is_logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def fail(client, times, **kwargs):
    return [log_in(client, "wrong-password", **kwargs).status_code for _ in range(times)]


def test_five_failures_lock_the_login_out_even_with_the_right_password(client, editor):
    # Four failures are the ordinary form with its error; the fifth locks.
    assert fail(client, 5) == [200, 200, 200, 200, 429]

    locked = log_in(client, PASSWORD)

    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert not is_logged_in(client)


def test_four_failures_still_let_the_right_password_in(client, editor):
    fail(client, 4)

    response = log_in(client, PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_successful_login_clears_the_failures(client, editor):
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    # Without the reset, these would be failures 5 to 8.
    assert fail(client, 4) == [200, 200, 200, 200]
    assert log_in(client, PASSWORD).status_code == 302


def test_the_lock_is_for_that_username_from_that_address_only(client, editor):
    get_user_model().objects.create_user("colleague", password=PASSWORD, is_staff=True)
    fail(client, 5, ip="203.0.113.7")

    assert log_in(client, PASSWORD, ip="198.51.100.20").status_code == 302  # editor, elsewhere
    client.logout()
    assert log_in(client, PASSWORD, username="colleague").status_code == 302  # same address
    client.logout()
    assert log_in(client, PASSWORD).status_code == 429  # editor, from the locked address


def test_the_lock_ends_after_the_cool_off(client, editor, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    fail(client, 5)
    assert log_in(client, PASSWORD).status_code == 429

    time.sleep(1.2)

    assert log_in(client, PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_logins_without_a_request_are_not_throttled(client, editor):
    # The test client's login(), shells and scripts: no IP address, not brute force.
    fail(client, 5)

    assert client.login(username="editor", password=PASSWORD)
    assert not client.login(username="editor", password="wrong-password")
