"""Static files in production: hashed names from the manifest, served by whitenoise."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_pages_link_hashed_stylesheet_that_whitenoise_serves(client):
    page = client.get("/")
    match = re.search(r'href="(/static/css/newsdesk\.[0-9a-f]{12}\.css)"', page.content.decode())
    assert match, "the stylesheet link has no content hash"

    stylesheet = client.get(match.group(1))

    assert stylesheet.status_code == 200
    assert b"--accent" in b"".join(stylesheet.streaming_content)
    assert "max-age=315360000" in stylesheet.headers["Cache-Control"]
