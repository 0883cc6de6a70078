"""The search benchmark's Datasette peer: export, serve, and agree with Newsdesk's API.

The small search archive (tests/search/conftest.py: rejected tags, cities in countries)
is committed, exported to SQLite with FTS5 and served by a real `datasette serve`; the
same requests then go to Newsdesk's /api/articles/ and, translated, to Datasette.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from django.db import connection

pytest.importorskip("datasette", reason="datasette is not installed (it is in the dev extra)")
pytest.importorskip("sqlite_utils", reason="sqlite-utils is not installed (in the dev extra)")

from articles.models import Article, Organization, Person, Place
from benchmarks.datasette_peer import (
    VIEW,
    DatasettePeer,
    UntranslatableQuery,
    export_corpus,
    peer_requests,
    websearch_to_fts5,
)
from tests.search import API_URL
from tests.search.conftest import build_archive


def _dsn(settings: dict) -> str:
    from psycopg.conninfo import make_conninfo

    keys = {"NAME": "dbname", "USER": "user", "PASSWORD": "password", "HOST": "host"}
    keys["PORT"] = "port"
    return make_conninfo(**{keys[k]: str(v) for k, v in settings.items() if k in keys and v})


@pytest.fixture(scope="module")
def peer(django_db_setup, django_db_blocker, tmp_path_factory):
    """(archive, running peer, export figures); the archive is deleted at the end."""
    with django_db_blocker.unblock():
        archive = build_archive()
        dsn = _dsn(connection.settings_dict)
    path = tmp_path_factory.mktemp("peer") / "newsdesk.db"
    try:
        export_corpus(dsn, path, progress=False)
        figures = export_corpus(dsn, path, progress=False)  # a rerun replaces the file
        with DatasettePeer(path) as running:
            yield archive, running, figures
    finally:
        with django_db_blocker.unblock():
            for model in (Article, Person, Organization, Place):
                model.objects.all().delete()


@pytest.fixture
def newsdesk(client, db):
    def get(params: dict) -> dict:
        response = client.get(API_URL, params)
        assert response.status_code == 200, response.content[:500]
        return response.json()

    return get


def _newsdesk_facets(payload: dict) -> dict:
    facets = payload["facets"]
    return {
        "people": {f["slug"]: f["count"] for f in facets["people"]},
        "organizations": {f["slug"]: f["count"] for f in facets["organizations"]},
        "countries": {f["code"]: f["count"] for f in facets["countries"]},
        "sources": {f["name"]: f["count"] for f in facets["sources"]},
    }


def test_the_export_holds_visible_tags_only_and_countries_through_cities(peer):
    archive, running, figures = peer
    assert figures["rows"] == len(archive.articles) == 10
    assert figures["bytes"] > 0
    assert not running.sqlite_path.with_name("newsdesk.db.partial").exists()
    with sqlite3.connect(f"file:{running.sqlite_path}?immutable=1", uri=True) as db:
        rows = {
            row[0]: row[1:]
            for row in db.execute(
                "select id, people, organizations, countries, published_on from articles"
            )
        }
        assert db.execute("select count(*) from articles_fts").fetchone()[0] == 10
    people, organizations, countries, published = rows[archive["submarine"].pk]
    # Lavrov, the OSCE and Russia were rejected on `submarine`: only Sweden remains.
    assert (json.loads(people), json.loads(organizations), json.loads(countries)) == (
        [],
        [],
        ["SE"],
    )
    assert published == "2021-11-15"
    # Stockholm counts for Sweden; the rejected Latvia tag counts for nothing.
    assert json.loads(rows[archive["customs"].pk][2]) == ["SE"]
    # Kiev and Ukraine on one article: UA once.
    assert json.loads(rows[archive["farmers"].pk][2]) == ["UA"]
    assert json.loads(rows[archive["kremlin"].pk][0]) == ["sergei-lavrov", "volodymyr-zelenskiy"]


def test_a_word_search_finds_the_same_articles_in_the_same_order(peer, newsdesk):
    archive, running, _ = peer
    result = running.get({"q": "pipeline"})
    # The title match first in both (title weighted above body), then the body match.
    assert result.ids == archive.ids("pipeline", "energy")
    assert [r["id"] for r in newsdesk({"q": "pipeline"})["results"]] == result.ids
    assert result.count == 2
    assert "<mark>Pipeline</mark>" in result.rows[0]["title_marked"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"country": "SE"},
        {"country": "ua"},
        {"country": ["LV", "SE"]},
        {"person": "sergei-lavrov"},
        {"organization": "osce"},
        {"q": "ministers"},
        {"q": "harvest"},
        {"q": '"autumn harvest" -grain OR Riga'},
        {"q": "deal", "country": "RU"},
        {"date_from": "2021-11-10", "date_to": "2021-12-03"},
        {"source": "TASS", "person": "volodymyr-zelenskiy"},
        {"q": "nato", "sort": "oldest"},
    ],
    ids=repr,
)
def test_filters_counts_and_facets_agree_with_newsdesk(peer, newsdesk, params):
    _, running, _ = peer
    expected = newsdesk(params)
    result = running.get(params)
    assert result.count == expected["count"]
    found = [r["id"] for r in expected["results"]]
    if params.get("q") and params.get("sort") is None:
        assert sorted(result.ids) == sorted(found)  # ranking functions differ
    else:
        assert result.ids == found  # the same date order
    assert {name: dict(pairs) for name, pairs in result.facets.items()} == _newsdesk_facets(
        expected
    )


def test_rejected_tags_are_absent_over_http(peer, newsdesk):
    archive, running, _ = peer
    lavrov = running.get({"person": "sergei-lavrov"})
    assert lavrov.ids == archive.ids("stockholm_talks", "kremlin")  # not `submarine`
    latvia = running.get({"country": "LV"})
    assert latvia.ids == archive.ids("riga")  # not `customs`
    everything = running.get({})
    assert dict(everything.facets["people"])["sergei-lavrov"] == 2
    assert dict(everything.facets["countries"])["LV"] == 1
    assert dict(everything.facets["organizations"])["osce"] == 1


def test_one_request_without_words_two_with_them():
    [table] = peer_requests({"person": "a", "country": "ua"}, database="x")
    assert table.path.startswith(f"/x/{VIEW}.json?")
    assert "people__arraycontains=a" in table.path
    assert "countries__arraycontains=UA" in table.path
    assert "_sort_desc=published_on" in table.path
    ranked, counted = peer_requests({"q": "said"}, database="x")
    assert ranked.path.startswith("/x.json?sql=")
    assert "_size=0" in counted.path and "_searchmode=raw" in counted.path
    with pytest.raises(ValueError, match="place"):
        peer_requests({"place": "kiev"})


@pytest.mark.parametrize(
    ("text", "fts5"),
    [
        ("sanctions", '"sanctions"'),
        ("election president", '"election" AND "president"'),
        ('"prime minister"', '"prime minister"'),
        ('"unbalanced phrase', '"unbalanced phrase"'),
        ("iran -nuclear", '"iran" NOT "nuclear"'),
        ('talks -"prime minister"', '"talks" NOT "prime minister"'),
        ("moscow or kiev talks", '("moscow") OR ("kiev" AND "talks")'),
        ("OR foo OR", '"foo"'),
        ("u.s. pro-russian", '"u s" AND "pro russian"'),
        ("a & b | !c", '"a" AND "b" AND "c"'),
        ('say "hi"', '"say" AND "hi"'),
    ],
)
def test_websearch_syntax_becomes_fts5(text, fts5):
    assert websearch_to_fts5(text) == fts5


@pytest.mark.parametrize("text", ["-foo", "a OR -b", "!!&&", '""'])
def test_what_fts5_cannot_say_is_refused(text):
    with pytest.raises(UntranslatableQuery):
        websearch_to_fts5(text)
