"""Production settings for servers that tests start in a subprocess (gunicorn, runserver).

Exactly newsdesk.settings, with one change: STATIC_ROOT is the static files the test
session collected (the `collected_static` fixture in tests/conftest.py), which a server
in another process cannot learn from the test process's settings. Production collects
them at image build time (Dockerfile); without them every page would fail on its
stylesheet's missing manifest entry.
"""

import os

from newsdesk.settings import *  # noqa: F403

# (Importable without it too, say when pytest is handed this file by name.)
STATIC_ROOT = os.environ.get("NEWSDESK_TEST_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
