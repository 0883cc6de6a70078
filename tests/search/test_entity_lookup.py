"""GET /api/entities/?q=: find people, organizations and places by name, alias or near miss."""

from __future__ import annotations

import pytest

from tests.search import ENTITIES_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def lookup(client):
    def get(q: str) -> list[dict]:
        response = client.get(ENTITIES_URL, {"q": q})
        assert response.status_code == 200, response.content[:500]
        return response.json()["results"]

    return get


def entry(kind: str, entity) -> dict:
    return {
        "kind": kind,
        "name": entity.name,
        "slug": entity.slug,
        "url": entity.get_absolute_url(),
    }


def shape(result: dict) -> dict:
    return {key: result[key] for key in ("kind", "name", "slug", "url")}


def test_lookup_finds_a_person_by_alias(lookup, archive):
    results = lookup("zelensky")

    assert shape(results[0]) == entry("person", archive.people["zelenskiy"])
    assert results[0]["url"] == "/people/volodymyr-zelenskiy/"


def test_lookup_finds_a_place_by_alias(lookup, archive):
    results = lookup("kyiv")

    assert shape(results[0]) == entry("place", archive.places["kiev"])
    assert results[0]["url"] == "/places/kiev/"


def test_lookup_finds_a_misspelt_name_by_trigram_similarity(lookup, archive):
    results = lookup("lavrof")

    assert shape(results[0]) == entry("person", archive.people["lavrov"])


def test_lookup_finds_a_person_by_a_multiword_alias(lookup, archive):
    assert shape(lookup("Sergey Lavrov")[0]) == entry("person", archive.people["lavrov"])


def test_lookup_finds_an_organization_by_name(lookup, archive):
    results = lookup("osce")

    assert shape(results[0]) == entry("organization", archive.organizations["osce"])
    assert results[0]["url"] == "/organizations/osce/"


def test_lookup_links_a_country_to_its_country_page(lookup, archive):
    results = lookup("sweden")

    assert shape(results[0]) == entry("place", archive.places["sweden"])
    assert results[0]["url"] == "/countries/se/"


def test_lookup_ignores_case(lookup, archive):
    assert shape(lookup("ZELENSKY")[0]) == entry("person", archive.people["zelenskiy"])


def test_entity_matching_by_name_and_several_aliases_is_listed_once(lookup, archive):
    # "zelensk" is in the name and in both aliases.
    slugs = [(r["kind"], r["slug"]) for r in lookup("zelensk")]

    assert slugs.count(("person", "volodymyr-zelenskiy")) == 1


def test_lookup_returns_nothing_for_a_name_no_entity_resembles(lookup, archive):
    assert lookup("qwxzvjk") == []


def test_lookup_with_an_empty_query_returns_no_results_or_400(client, archive):
    response = client.get(ENTITIES_URL, {"q": ""})

    assert response.status_code in {200, 400}
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        assert "errors" in response.json()


def test_lookup_answers_hostile_input_with_200_or_400(client, archive, hostile):
    response = client.get(f"{ENTITIES_URL}?q={hostile}")

    assert response.status_code in {200, 400}
    payload = response.json()
    if response.status_code == 400:
        assert "errors" in payload
    else:
        assert isinstance(payload["results"], list)
