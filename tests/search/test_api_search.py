"""GET /api/articles/ and /search/: what a query matches, in which order, and at what cost.

The archive is `tests/search/conftest.py`'s; its docstring has the table the expected
answers below are computed from.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.search import API_URL, SEARCH_PAGE_URL

pytestmark = pytest.mark.django_db

TAG = re.compile(r"</?[a-zA-Z][^>]*>")
NEWEST_FIRST = [
    "energy",
    "pipeline",
    "stockholm_talks",
    "riga",
    "kyiv_talks",
    "kremlin",
    "submarine",
    "traders",
    "farmers",
    "customs",
]


# What a query matches (websearch syntax)


def test_empty_query_lists_every_article_newest_first(api, archive):
    payload = api()

    assert archive.found(payload) == NEWEST_FIRST
    assert payload["count"] == 10
    assert payload["query"] == ""


def test_every_word_of_the_query_must_match(api, archive):
    payload = api(q="grain price")

    assert archive.found(payload) == ["traders"]  # farmers has grain but no price
    assert payload["count"] == 1
    assert payload["query"] == "grain price"


def test_quoted_phrase_matches_the_words_adjacent_and_in_order(api, archive):
    assert archive.found(api(q='"grain price"')) == ["traders"]
    assert api(q='"price grain"')["count"] == 0
    assert archive.found(api(q="price grain")) == ["traders"]


def test_or_matches_either_word(api, archive):
    payload = api(q="grain OR pipeline")

    # The title match first; the three body-only matches are alike, so newest first.
    assert archive.found(payload) == ["pipeline", "energy", "traders", "farmers"]
    assert payload["count"] == 4


def test_minus_excludes_articles_with_the_word(api, archive):
    assert archive.found(api(q="grain -price")) == ["farmers"]


def test_query_ignores_accents_both_ways(api, archive):
    # kyiv_talks prints "Zelenskíy", kremlin prints "Zelenskiy".
    assert sorted(archive.found(api(q="Zelenskiy"))) == ["kremlin", "kyiv_talks"]
    assert sorted(archive.found(api(q="Zelenskíy"))) == ["kremlin", "kyiv_talks"]


def test_query_matches_other_forms_of_a_word_by_stemming(api, archive):
    assert archive.found(api(q="negotiate")) == ["kyiv_talks"]  # says "negotiations"


def test_query_matching_nothing_returns_an_empty_list(api, archive):
    payload = api(q="zeppelin")

    assert payload["count"] == 0
    assert payload["results"] == []


# Ranking and sorting


def test_word_in_the_title_outranks_the_same_word_only_in_a_newer_body(api, archive):
    assert archive.found(api(q="pipeline")) == ["pipeline", "energy"]


def test_equally_relevant_articles_are_ranked_newest_first(api, archive):
    assert archive.found(api(q="grain")) == ["traders", "farmers"]
    assert archive.found(api(q="harvest")) == ["traders", "farmers"]


def test_relevance_is_the_default_sort_when_there_is_a_query(api, archive):
    assert archive.found(api(q="pipeline", sort="relevance")) == ["pipeline", "energy"]


def test_sort_newest_orders_matches_by_date_not_relevance(api, archive):
    assert archive.found(api(q="pipeline", sort="newest")) == ["energy", "pipeline"]


def test_sort_oldest_orders_matches_oldest_first(api, archive):
    assert archive.found(api(q="grain", sort="oldest")) == ["farmers", "traders"]
    assert archive.found(api(sort="oldest")) == NEWEST_FIRST[::-1]


# Pages


def test_page_size_splits_results_into_pages(api, archive):
    first = api(page_size=3)
    last = api(page_size=3, page=4)

    assert archive.found(first) == ["energy", "pipeline", "stockholm_talks"]
    assert (first["count"], first["page"], first["pages"]) == (10, 1, 4)
    assert archive.found(last) == ["customs"]
    assert (last["count"], last["page"], last["pages"]) == (10, 4, 4)


def test_default_page_size_is_20(api, archive, article_factory):
    for day in range(1, 16):
        article_factory(f"Filler story {day}", f"Filler body {day}.", date(2020, 1, day), "TASS")

    payload = api()

    assert payload["count"] == 25
    assert len(payload["results"]) == 20
    assert payload["pages"] == 2


def test_later_pages_continue_the_relevance_order(api, archive):
    payload = api(q="grain OR pipeline", page_size=2, page=2)

    assert archive.found(payload) == ["traders", "farmers"]
    assert (payload["count"], payload["page"], payload["pages"]) == (4, 2, 2)


# What a result says


def test_result_carries_links_date_source_and_its_entities(api, archive):
    payload = api(person="sergei-lavrov", organization="nato")
    kremlin = archive["kremlin"]

    assert archive.found(payload) == ["kremlin"]
    (result,) = payload["results"]
    assert result["id"] == kremlin.pk
    assert result["title"] == "Kremlin rejects NATO expansion"
    assert result["url"] == kremlin.url
    # Our own page; a path or an absolute URL of this site.
    assert urlsplit(result["permalink"]).path == f"/articles/{kremlin.pk}/"
    assert urlsplit(result["permalink"]).netloc in {"", "testserver"}
    assert result["published"] == "2021-11-20"
    assert result["source"] == "TASS"
    assert sorted(result["people"], key=lambda p: p["slug"]) == [
        {"name": "Sergei Lavrov", "slug": "sergei-lavrov"},
        {"name": "Volodymyr Zelenskiy", "slug": "volodymyr-zelenskiy"},
    ]
    assert result["organizations"] == [{"name": "NATO", "slug": "nato"}]
    assert sorted(result["countries"], key=lambda c: c["code"]) == [
        {"name": "Russia", "code": "RU"},
        {"name": "Ukraine", "code": "UA"},
    ]


def test_result_does_not_list_entities_whose_mention_was_rejected(api, archive):
    payload = api(q="submarine")

    assert archive.found(payload) == ["submarine"]
    (result,) = payload["results"]
    assert result["people"] == []  # the Lavrov tag was rejected
    assert result["organizations"] == []  # so was the OSCE tag
    assert result["countries"] == [{"name": "Sweden", "code": "SE"}]  # Russia rejected


def test_api_snippet_is_plain_text_around_the_match(api, archive):
    payload = api(q="pipeline")

    snippets = {
        name: r["snippet"]
        for name, r in zip(archive.found(payload), payload["results"], strict=True)
    }
    assert "pipeline" in snippets["energy"].lower()
    for snippet in snippets.values():
        assert not TAG.search(snippet), snippet


def test_api_snippet_has_no_highlight_markup(api, archive):
    (result,) = api(q="smuggling")["results"]

    assert "smuggling" in result["snippet"]
    for markup in ("<mark>", "</mark>", "<b>", "</b>"):
        assert markup not in result["snippet"]


# The HTML search page


def test_search_page_wraps_matched_words_in_mark(client, archive):
    response = client.get(SEARCH_PAGE_URL, {"q": "pipeline"})

    assert response.status_code == 200
    assert re.search(r"<mark>pipeline</mark>", response.content.decode(), re.IGNORECASE)


def test_search_page_escapes_markup_from_the_article_text(client, archive):
    # customs' body holds <script>alert(1)</script> and <img src=x onerror=alert(1)>.
    response = client.get(SEARCH_PAGE_URL, {"q": "smuggling"})
    html = response.content.decode()

    assert response.status_code == 200
    assert re.search(r"<mark>smuggling</mark>", html, re.IGNORECASE)
    assert "&lt;script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "<img src=x onerror" not in html
    assert "&lt;mark&gt;" not in html  # our own highlight is not escaped twice


# The real seed article


def test_seed_with_the_phrase_in_its_title_ranks_above_a_newer_body_match(
    api, archive, seed_article
):
    payload = api(q='"nightmare scenario"')

    ids = [r["id"] for r in payload["results"]]
    assert ids == [seed_article.pk, archive["stockholm_talks"].pk]


def test_seed_is_not_found_by_a_phrase_whose_words_it_has_apart(api, archive, seed_article):
    payload = api(q='"nightmare crisis"')

    assert payload["count"] == 0


def test_seed_is_found_by_a_name_it_mentions(api, archive, seed_article):
    ids = [r["id"] for r in api(q="Blinken")["results"]]

    assert sorted(ids) == sorted(
        [seed_article.pk, archive["stockholm_talks"].pk, archive["riga"].pk]
    )


def test_excluded_word_drops_the_seed(api, archive, seed_article):
    payload = api(q="Blinken -Lavrov")

    assert archive.found(payload) == ["riga"]


@pytest.mark.parametrize("query", ["Blinken OR nonexistentword", "nonexistentword OR blinken"])
def test_or_with_a_word_found_nowhere_still_finds_the_seed(api, archive, seed_article, query):
    ids = [r["id"] for r in api(q=query)["results"]]

    assert sorted(ids) == sorted(
        [seed_article.pk, archive["stockholm_talks"].pk, archive["riga"].pk]
    )


# Query counts: a page of 50 costs what a page of 2 costs


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"q": "grain OR pipeline OR Stockholm OR NATO"},
        {"country": "UA", "sort": "oldest"},
        {"person": ["sergei-lavrov", "antony-blinken"], "date_from": "2021-11-01"},
    ],
    ids=["no-filter", "query", "country", "people-and-date"],
)
def test_api_runs_as_many_queries_for_50_results_as_for_2(
    client, archive, django_assert_num_queries, filters
):
    client.get(API_URL, {**filters, "page_size": 2})  # one-off lookups a process may cache
    with CaptureQueriesContext(connection) as two:
        small = client.get(API_URL, {**filters, "page_size": 2})
    assert small.status_code == 200
    assert len(small.json()["results"]) == 2
    assert len(two) > 0

    with django_assert_num_queries(len(two)):
        large = client.get(API_URL, {**filters, "page_size": 50})

    assert len(large.json()["results"]) > 2


def test_search_page_runs_as_many_queries_for_10_results_as_for_2(
    client, archive, article_factory, django_assert_num_queries
):
    def add_lighthouse_stories(days):
        for day in days:
            article_factory(
                f"Lighthouse story {day}",
                f"The lighthouse keeper wrote entry {day} in the log.",
                date(2020, 3, day),
                "TASS" if day % 2 else "Al Jazeera",
                people=(archive.people["lavrov"], archive.people["blinken"]),
                organizations=(archive.organizations["nato"],),
                places=(archive.places["stockholm"], archive.places["russia"]),
            )

    add_lighthouse_stories(range(1, 3))
    client.get(SEARCH_PAGE_URL, {"q": "lighthouse"})
    with CaptureQueriesContext(connection) as two:
        response = client.get(SEARCH_PAGE_URL, {"q": "lighthouse"})
    assert response.status_code == 200
    assert len(two) > 0

    add_lighthouse_stories(range(3, 11))
    with django_assert_num_queries(len(two)):
        response = client.get(SEARCH_PAGE_URL, {"q": "lighthouse"})

    html = response.content.decode()
    shown = [day for day in range(1, 11) if re.search(rf"story {day}\b", html)]
    assert shown == list(range(1, 11))
