"""Invalid and hostile input: a 400 naming the field, or a 200; never a server error.

`hostile` runs each test once per input in `HOSTILE_INPUTS` (tests/search/conftest.py):
websearch and tsquery syntax, SQL, unicode edge cases, NUL bytes, invalid UTF-8, numbers
and dates of every wrong shape, sent percent-encoded as a browser would.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.search import API_URL, SEARCH_PAGE_URL
from tests.search.conftest import build_archive

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def archive(django_db_setup, django_db_blocker):
    """One archive for the module's 1,500 requests, rolled back when the module ends.

    None of them writes, and building it for each one was half of the module's time.
    Each test still runs in a savepoint of its own inside this transaction.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_archive()
        transaction.set_rollback(True)


HOSTILE_PARAMETERS = ["q", "person", "country", "date_from", "page", "page_size", "sort"]


def assert_errors_name(payload: dict, fields: set[str]) -> None:
    """`payload` is {"errors": {field: [message, ...]}} and names one of `fields`."""
    errors = payload["errors"]
    assert isinstance(errors, dict)
    assert set(errors) & fields, errors
    for messages in errors.values():
        assert isinstance(messages, list)
        assert messages
        assert all(isinstance(message, str) and message for message in messages)


# Invalid parameters: 400 naming the field

INVALID = {
    "date-out-of-range": ({"date_from": "2021-13-45"}, "date_from"),
    "date-in-words": ({"date_from": "yesterday"}, "date_from"),
    "date-to-feb-30": ({"date_to": "2021-02-30"}, "date_to"),
    "unknown-person": ({"person": "nobody-at-all"}, "person"),
    "one-unknown-person-of-two": ({"person": ["sergei-lavrov", "nobody-at-all"]}, "person"),
    "unknown-organization": ({"organization": "nobody-at-all"}, "organization"),
    "unknown-place": ({"place": "nowhere-at-all"}, "place"),
    "unknown-country": ({"country": "XX"}, "country"),
    "unknown-country-lowercase": ({"country": "xx"}, "country"),
    "page-size-1000": ({"page_size": "1000"}, "page_size"),
    "page-size-101": ({"page_size": "101"}, "page_size"),
    "page-size-0": ({"page_size": "0"}, "page_size"),
    "page-0": ({"page": "0"}, "page"),
    "page-negative": ({"page": "-1"}, "page"),
    "page-abc": ({"page": "abc"}, "page"),
    "query-10-kb": ({"q": "word " * 2048}, "q"),
    "query-nul-byte": ({"q": "a\x00b"}, "q"),
}


@pytest.mark.parametrize(("params", "field"), INVALID.values(), ids=INVALID.keys())
def test_invalid_parameter_is_refused_with_400_naming_the_field(client, archive, params, field):
    response = client.get(API_URL, params)

    assert response.status_code == 400, response.content[:500]
    assert_errors_name(response.json(), {field})


def test_nul_byte_sent_raw_in_the_query_string_is_refused_with_400(client, archive):
    response = client.get(f"{API_URL}?q=a%00b")

    assert response.status_code == 400
    assert_errors_name(response.json(), {"q"})


def test_date_from_after_date_to_is_refused_with_400(client, archive):
    response = client.get(API_URL, {"date_from": "2021-12-02", "date_to": "2021-12-01"})

    assert response.status_code == 400
    # Either date, or the form as a whole, may carry the message.
    assert_errors_name(response.json(), {"date_from", "date_to", "__all__"})


@pytest.mark.parametrize(
    "params",
    [{"page_size": "1"}, {"page_size": "100"}, {"page": "1"}, {"country": "lv"}],
    ids=["page-size-1", "page-size-100", "page-1", "country-lowercase"],
)
def test_values_at_the_edge_of_the_valid_range_are_accepted(client, archive, params):
    response = client.get(API_URL, params)

    assert response.status_code == 200, response.content[:500]


# Hostile input: 200 or 400, never 500


@pytest.mark.parametrize("parameter", HOSTILE_PARAMETERS)
def test_api_answers_hostile_input_with_200_or_a_400_naming_errors(
    client, archive, parameter, hostile
):
    response = client.get(f"{API_URL}?{parameter}={hostile}")

    assert response.status_code in {200, 400}
    payload = response.json()
    if response.status_code == 400:
        assert_errors_name(payload, {parameter, "__all__"})
    else:
        assert isinstance(payload["count"], int)
        assert isinstance(payload["results"], list)


@pytest.mark.parametrize("parameter", ["person", "country", "date_from", "page", "sort"])
def test_api_answers_hostile_filters_beside_a_query_with_200_or_400(
    client, archive, parameter, hostile
):
    # With a query the ranked path runs (rank, headline) as well as the filter.
    response = client.get(f"{API_URL}?q=NATO&{parameter}={hostile}")

    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert "errors" in response.json()


@pytest.mark.parametrize("parameter", HOSTILE_PARAMETERS)
def test_search_page_answers_hostile_input_with_200_or_400(client, archive, parameter, hostile):
    response = client.get(f"{SEARCH_PAGE_URL}?{parameter}={hostile}")

    assert response.status_code in {200, 400}


def test_search_page_with_a_nul_byte_in_the_query_is_not_a_server_error(client, archive):
    response = client.get(f"{SEARCH_PAGE_URL}?q=a%00b")

    assert response.status_code in {200, 400}


def test_tsquery_syntax_in_the_query_is_read_as_words_not_operators(api, archive):
    # websearch syntax has no <->, & or |: these are punctuation around the words.
    assert [r["title"] for r in api(q="grain <-> price")["results"]] == [
        "Traders watch the autumn harvest"
    ]
    assert [r["title"] for r in api(q="grain | crop")["results"]] == [
        "Farmers count the autumn harvest"
    ]


def test_query_of_only_operators_is_not_a_server_error(api, archive):
    for query in ("!!&&||:*", "-", "OR", "(((", '"unterminated'):
        payload = api(q=query)
        assert payload["query"] == query
