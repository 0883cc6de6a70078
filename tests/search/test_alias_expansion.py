"""A name typed one way finds articles that spell it another way."""

from __future__ import annotations

from datetime import date

import pytest

from articles.lookups import expand_query
from articles.models import Organization, Person, Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def spellings(article_factory):
    kiev = Place.objects.create(name="Kiev", kind="city", country_code="UA", aliases=["Kyiv"])
    zelenskiy = Person.objects.create(name="Volodymyr Zelenskiy", aliases=["Zelensky", "Zelenskiy"])
    old = article_factory(
        "Talks in Kiev", "Zelenskiy met envoys in Kiev.", date(2021, 12, 1), "TASS"
    )
    new = article_factory("Talks in Kyiv", "Zelensky met envoys in Kyiv.", date(2022, 3, 1), "BBC")
    unrelated = article_factory("Harvest report", "Farmers met buyers.", date(2022, 3, 2), "BBC")
    return {"kiev": kiev, "zelenskiy": zelenskiy, "old": old, "new": new, "other": unrelated}


def titles(payload):
    return sorted(row["title"] for row in payload["results"])


def test_an_alias_finds_the_other_spelling_and_says_so(api, spellings):
    payload = api(q="Kyiv")

    assert titles(payload) == ["Talks in Kiev", "Talks in Kyiv"]
    assert payload["also_searched"] == ["Kiev"]


def test_a_person_alias_expands_to_every_name(api, spellings):
    payload = api(q="Zelensky envoys")

    assert titles(payload) == ["Talks in Kiev", "Talks in Kyiv"]
    assert set(payload["also_searched"]) == {"Volodymyr Zelenskiy", "Zelenskiy"}


def test_words_with_or_phrases_and_exclusions_are_left_as_typed(api, spellings):
    assert titles(api(q="Kyiv OR harvest")) == ["Harvest report", "Talks in Kyiv"]
    assert titles(api(q='"in Kyiv"')) == ["Talks in Kyiv"]
    assert titles(api(q="envoys -Kyiv")) == ["Talks in Kiev"]
    assert api(q="Kyiv OR harvest")["also_searched"] == []


def test_the_search_page_shows_what_else_it_searched(client, spellings):
    page = client.get("/search/", {"q": "Kyiv"}).content.decode()

    assert "Also searched:" in page and "Kiev" in page
    assert page.count('class="card"') == 2


def test_names_of_every_kind_are_widened_in_one_query(spellings, django_assert_num_queries):
    # A person, a place and (by its lowercased name) an organization in one text query:
    # the widening runs before every text search, so it asks once for all three kinds.
    Organization.objects.create(name="OSCE", aliases=["Organization for Security"])
    with django_assert_num_queries(1):
        expanded = expand_query("Zelensky Kyiv osce")

    assert set(expanded.also_searched) == {
        "Volodymyr Zelenskiy",
        "Zelenskiy",
        "Kiev",
        "Organization for Security",
    }
