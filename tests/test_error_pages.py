"""Errors say what went wrong: pages in a sentence, the API in its JSON error shape.

(tests/test_live_fuzz.py checks the same over real HTTP for every route; these are the
fast, direct versions.)
"""

from __future__ import annotations

import json

import pytest

from newsdesk.errors import server_error

pytestmark = pytest.mark.django_db

TOO_MANY = "&".join(["person=sergei-lavrov"] * 1001)  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1,000


def test_an_unknown_page_is_a_404_page_that_explains(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "There is no page at this address in the archive." in response.content.decode()


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/no-such-endpoint/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "errors": {
            "path": [
                "There is no API endpoint at this address; "
                "the API has /api/articles/ and /api/entities/."
            ]
        }
    }


def test_too_many_parameters_on_a_page_is_a_400_page_that_explains(client):
    # Reading request.GET raises again here: the page must render without it.
    response = client.get(f"/search/?{TOO_MANY}")

    assert response.status_code == 400
    assert "The address or the request that reached us is malformed" in response.content.decode()


def test_too_many_parameters_on_an_unknown_page_is_still_a_404_page(client):
    response = client.get(f"/no-such-page/?{TOO_MANY}")

    assert response.status_code == 404
    assert "There is no page at this address" in response.content.decode()


def test_too_many_parameters_on_the_api_is_a_json_400(client):
    response = client.get(f"/api/articles/?{TOO_MANY}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()["errors"]) == ["request"]
    assert "too many parameters" in response.json()["errors"]["request"][0]


def test_a_server_error_explains_itself_to_readers_and_api_clients(rf):
    # Nothing in the app answers 500 on purpose; the handler is called as Django would.
    page = server_error(rf.get("/search/?q=x"))
    api = server_error(rf.get("/api/articles/"))

    assert page.status_code == 500
    assert "Something went wrong on our side while preparing this page." in page.content.decode()
    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"
    assert list(json.loads(api.content)["errors"]) == ["server"]
