"""GET /api/articles/ filters and facets.

Different filters combine with AND, repeated values of one filter with OR, and a
rejected mention counts for nothing. Expected answers come from the table in
`tests/search/conftest.py`; lists are newest first, the default order without a query.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


# People and organizations


def test_person_filter_lists_articles_mentioning_that_person(api, archive):
    payload = api(person="sergei-lavrov")

    # submarine also carries a Lavrov tag, but an editor rejected it.
    assert archive.found(payload) == ["stockholm_talks", "kremlin"]
    assert payload["count"] == 2


def test_suggested_and_confirmed_mentions_both_count(api, archive):
    # zelenskiy is confirmed on kyiv_talks and only suggested on kremlin.
    assert archive.found(api(person="volodymyr-zelenskiy")) == ["kyiv_talks", "kremlin"]


def test_repeated_person_values_combine_with_or_and_list_each_article_once(api, archive):
    payload = api(person=["sergei-lavrov", "antony-blinken"])

    # stockholm_talks names both and is listed once.
    assert archive.found(payload) == ["stockholm_talks", "riga", "kremlin"]
    assert payload["count"] == 3


def test_organization_filter_ignores_rejected_mentions(api, archive):
    assert archive.found(api(organization="osce")) == ["stockholm_talks"]


def test_repeated_organization_values_combine_with_or(api, archive):
    payload = api(organization=["nato", "osce"])

    assert archive.found(payload) == ["stockholm_talks", "riga", "kremlin"]


def test_person_and_organization_filters_combine_with_and(api, archive):
    assert archive.found(api(person="sergei-lavrov", organization="nato")) == ["kremlin"]


# Countries and places


def test_country_filter_matches_articles_tagged_with_a_city_in_that_country(api, archive):
    payload = api(country="SE")

    # stockholm_talks and customs name only Stockholm; submarine names Sweden.
    assert archive.found(payload) == ["stockholm_talks", "submarine", "customs"]
    assert payload["count"] == 3


def test_country_code_is_case_insensitive(api, archive):
    assert archive.found(api(country="se")) == ["stockholm_talks", "submarine", "customs"]


def test_article_naming_a_country_and_one_of_its_cities_is_counted_once(api, archive):
    payload = api(country="UA")

    # farmers names Ukraine and Kiev; kyiv_talks names only Kiev.
    assert archive.found(payload) == ["pipeline", "kyiv_talks", "kremlin", "traders", "farmers"]
    assert payload["count"] == 5


def test_country_filter_ignores_rejected_place_mentions(api, archive):
    # submarine's Russia tag and customs' Latvia tag are rejected.
    assert archive.found(api(country="RU")) == [
        "energy",
        "pipeline",
        "stockholm_talks",
        "kyiv_talks",
        "kremlin",
    ]
    assert archive.found(api(country="LV")) == ["riga"]


def test_repeated_country_values_combine_with_or(api, archive):
    payload = api(country=["SE", "lv"])

    assert archive.found(payload) == ["stockholm_talks", "riga", "submarine", "customs"]
    assert payload["count"] == 4


def test_place_filter_matches_that_place_only_not_the_rest_of_its_country(api, archive):
    assert archive.found(api(place="stockholm")) == ["stockholm_talks", "customs"]
    assert archive.found(api(place="kiev")) == ["kyiv_talks", "farmers"]


def test_place_and_country_filters_combine_with_and(api, archive):
    assert archive.found(api(place="kiev", country="RU")) == ["kyiv_talks"]


# Source and dates


def test_source_filter_matches_the_publication_name(api, archive):
    assert archive.found(api(source="TASS")) == ["kremlin", "traders", "farmers"]
    assert archive.found(api(source="Deutsche Welle")) == ["pipeline", "riga", "submarine"]


def test_source_filter_does_not_match_part_of_a_name(api, archive):
    assert api(source="Al")["count"] == 0


def test_date_range_includes_both_end_dates(api, archive):
    payload = api(date_from="2021-11-20", date_to="2021-12-03")

    assert archive.found(payload) == ["stockholm_talks", "riga", "kyiv_talks", "kremlin"]


def test_date_from_alone_keeps_that_day_and_later(api, archive):
    assert archive.found(api(date_from="2021-12-08")) == ["energy", "pipeline"]


def test_date_to_alone_keeps_that_day_and_earlier(api, archive):
    assert archive.found(api(date_to="2021-11-05")) == ["farmers", "customs"]


def test_date_range_of_one_day_keeps_that_day(api, archive):
    assert archive.found(api(date_from="2021-11-26", date_to="2021-11-26")) == ["kyiv_talks"]


# Combinations


def test_query_and_person_filter_combine_with_and(api, archive):
    # NATO is in the text of riga and kremlin; Lavrov is tagged on stockholm_talks and kremlin.
    assert archive.found(api(q="NATO", person="sergei-lavrov")) == ["kremlin"]


def test_query_and_every_other_filter_combine_with_and(api, archive):
    payload = api(q="harvest", country="UA", source="TASS", date_from="2021-11-06")

    assert archive.found(payload) == ["traders"]  # farmers is older than date_from


def test_or_within_a_filter_and_and_across_filters(api, archive):
    payload = api(person=["sergei-lavrov", "antony-blinken"], country="LV")

    assert archive.found(payload) == ["riga"]


# Facets

GROUPS = {  # facet group: (filter parameter, the facet entry's key that is its value)
    "people": ("person", "slug"),
    "organizations": ("organization", "slug"),
    "countries": ("country", "code"),
    "sources": ("source", "name"),
}
FIELDS = {
    "people": ("slug", "name", "count"),
    "organizations": ("slug", "name", "count"),
    "countries": ("code", "name", "count"),
    "sources": ("name", "count"),
}


def facets(payload: dict) -> dict[str, list[dict]]:
    """The facets, each group sorted by value, without zero counts.

    The contract fixes neither the order of facet entries nor whether values that
    match nothing are listed, so neither is asserted.
    """
    return {
        group: sorted(
            (
                {name: entry[name] for name in FIELDS[group]}
                for entry in payload["facets"][group]
                if entry["count"]
            ),
            key=lambda entry, key=GROUPS[group][1]: entry[key],
        )
        for group in GROUPS
    }


def test_facets_count_the_whole_archive_without_rejected_mentions(api, archive):
    assert facets(api()) == {
        "people": [
            {"slug": "antony-blinken", "name": "Antony Blinken", "count": 2},
            {"slug": "sergei-lavrov", "name": "Sergei Lavrov", "count": 2},
            {"slug": "volodymyr-zelenskiy", "name": "Volodymyr Zelenskiy", "count": 2},
        ],
        "organizations": [
            {"slug": "nato", "name": "NATO", "count": 2},
            {"slug": "osce", "name": "OSCE", "count": 1},
        ],
        "countries": [
            {"code": "LV", "name": "Latvia", "count": 1},
            {"code": "RU", "name": "Russia", "count": 5},
            {"code": "SE", "name": "Sweden", "count": 3},
            {"code": "UA", "name": "Ukraine", "count": 5},
        ],
        "sources": [
            {"name": "Al Jazeera", "count": 3},
            {"name": "Deutsche Welle", "count": 3},
            {"name": "TASS", "count": 3},
            {"name": "The Moscow Times", "count": 1},
        ],
    }


def test_facets_count_every_match_not_only_the_page_shown(api, archive):
    assert facets(api(page_size=1)) == facets(api())


def test_facets_count_only_the_articles_the_query_matches(api, archive):
    # NATO is in the text of riga and kremlin only.
    assert facets(api(q="NATO")) == {
        "people": [
            {"slug": "antony-blinken", "name": "Antony Blinken", "count": 1},
            {"slug": "sergei-lavrov", "name": "Sergei Lavrov", "count": 1},
            {"slug": "volodymyr-zelenskiy", "name": "Volodymyr Zelenskiy", "count": 1},
        ],
        "organizations": [{"slug": "nato", "name": "NATO", "count": 2}],
        "countries": [
            {"code": "LV", "name": "Latvia", "count": 1},
            {"code": "RU", "name": "Russia", "count": 1},
            {"code": "UA", "name": "Ukraine", "count": 1},
        ],
        "sources": [
            {"name": "Deutsche Welle", "count": 1},
            {"name": "TASS", "count": 1},
        ],
    }


def test_country_facet_counts_cities_and_facets_skip_rejected_tags_of_filtered_articles(
    api, archive
):
    # country=SE: stockholm_talks, submarine, customs. submarine's Lavrov, OSCE and
    # Russia tags and customs' Latvia tag are rejected.
    assert facets(api(country="SE")) == {
        "people": [
            {"slug": "antony-blinken", "name": "Antony Blinken", "count": 1},
            {"slug": "sergei-lavrov", "name": "Sergei Lavrov", "count": 1},
        ],
        "organizations": [{"slug": "osce", "name": "OSCE", "count": 1}],
        "countries": [
            {"code": "RU", "name": "Russia", "count": 1},
            {"code": "SE", "name": "Sweden", "count": 3},
        ],
        "sources": [
            {"name": "Al Jazeera", "count": 1},
            {"name": "Deutsche Welle", "count": 1},
            {"name": "The Moscow Times", "count": 1},
        ],
    }


@pytest.mark.parametrize(
    "base",
    [
        {},
        {"q": "NATO"},
        {"q": "grain OR pipeline OR Stockholm"},
        {"country": "SE"},
        {"source": "TASS"},
        {"person": "sergei-lavrov"},
        {"date_from": "2021-11-10", "date_to": "2021-12-03"},
        {"organization": "nato", "country": "ua"},
    ],
    ids=["everything", "query", "or-query", "country", "source", "person", "dates", "org+country"],
)
def test_each_facet_count_equals_the_count_of_adding_that_value_as_a_filter(api, archive, base):
    payload = api(**base)
    checked, mismatches = 0, []
    for group, (parameter, key) in GROUPS.items():
        if parameter in base:
            continue  # a second value of a filter widens it (OR): another question
        for entry in payload["facets"][group]:
            filtered = api(**base, **{parameter: entry[key]})
            checked += 1
            if filtered["count"] != entry["count"]:
                mismatches.append((parameter, entry[key], entry["count"], filtered["count"]))

    assert checked > 0
    assert mismatches == []  # (filter, value, facet count, count when filtered)
