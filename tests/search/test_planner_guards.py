"""The page query's shape changes with the number of matches; its answers must not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from articles import search
from tests.search import API_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve_reports(article_factory):
    """Twelve "ceasefire" reports, one a day; the oldest three say it in the title."""
    start = date(2021, 1, 1)
    reports = []
    for n in range(12):
        title = f"Ceasefire holds, day {n}" if n < 3 else f"Front line report {n}"
        body = f"Observers said the ceasefire held on day {n} along the front line."
        reports.append(article_factory(title, body, start + timedelta(days=n), "TASS"))
    return reports


def titles(payload):
    return [row["title"] for row in payload["results"]]


def test_relevance_over_many_matches_ranks_the_newest_candidates(api, twelve_reports, monkeypatch):
    exact = api(q="ceasefire", page_size=20)
    assert titles(exact)[:3] == [f"Ceasefire holds, day {n}" for n in (2, 1, 0)]

    monkeypatch.setattr(search, "RANK_CANDIDATES", 5)
    limited = api(q="ceasefire", page_size=20)

    # Only the five newest matches are ranked: title matches among them would lead, and
    # since none of them has one, they come newest first; the count is still exact.
    assert limited["count"] == 12
    assert titles(limited) == [f"Front line report {n}" for n in (11, 10, 9, 8, 7)]


def test_date_sorts_with_a_query_keep_exact_date_order(api, twelve_reports, monkeypatch):
    newest = titles(api(q="ceasefire", sort="newest", page_size=20))
    oldest = titles(api(q="ceasefire", sort="oldest", page_size=20))

    assert newest == [r.title for r in reversed(twelve_reports)]
    assert oldest == [r.title for r in twelve_reports]


def _text_queries(client, params) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(API_URL, params)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if "@@" in q["sql"]]


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_under_the_cap_the_text_search_runs_once(client, twelve_reports, sort):
    # One pass through the index finds the ids, newest first; the page, its ranking and
    # the facets then work on those ids and never evaluate the search again.
    text_queries = _text_queries(client, {"q": "ceasefire", "sort": sort})

    assert len(text_queries) == 1
    assert "LIMIT 10001" in text_queries[0]


def test_past_the_cap_the_newest_matches_come_from_the_dated_index(
    client, twelve_reports, article_factory, monkeypatch
):
    from django.db import connection

    monkeypatch.setattr(search, "COUNT_CAP", 5)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    # Windows are for archives at least twice their size: 20 older articles, and fresh
    # statistics, make this one 32 articles (the planner's estimate is what is read).
    for n in range(20):
        article_factory(f"Weather {n}", "Rain all day.", date(2020, 1, 1), "TASS")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")

    text_queries = _text_queries(client, {"q": "ceasefire"})

    # One windowed look among the newest 2 x 6 articles finds the newest six matches:
    # the capped count, the facets' sample and the ranking's candidates all come from it.
    assert len(text_queries) == 1
    assert "'1970-01-01'" in text_queries[0]


def test_newest_text_matches_widen_the_window_until_it_holds_enough(article_factory):
    """Windows of the newest 2n articles, then wider ones, then all: each answer is exact."""
    from articles.models import Article

    start = date(2020, 1, 1)
    # Oldest first: 40 matching reports, then 30 newer articles that do not match.
    for n in range(40):
        article_factory(f"Ceasefire report {n}", "The ceasefire held.", start, "TASS")
        start += timedelta(days=1)
    for n in range(30):
        article_factory(f"Weather {n}", "Rain all day.", start, "TASS")
        start += timedelta(days=1)
    matches = Article.objects.search("ceasefire")
    expected = list(matches.newest_first().values_list("pk", flat=True))

    # n=2: the first windows (4, then wider) hold no match; a wider one is enough.
    assert matches.newest_text_match_ids(2) == expected[:2]
    # n=5: the windows hold too few until one is larger than the archive: all of it.
    assert matches.newest_text_match_ids(5) == expected[:5]
    assert matches.newest_text_match_ids(100) == expected


def test_a_search_with_a_first_day_skips_windows_that_reach_past_it(article_factory):
    """A window older than the search's own date filter narrows nothing: ask once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article

    first = date(2020, 1, 1)
    # 400 days of old reports, then 30 days of other news with two reports among the
    # newest ten: a window of the newest 10 finds 2 of 5, and its density sends the
    # search on to wider windows, which reach back past the last 15 days.
    for n in range(430):
        day = first + timedelta(days=n)
        if n < 400 or n in (425, 427):
            article_factory(f"Ceasefire report {n}", "The ceasefire held.", day, "TASS")
        else:
            article_factory(f"Weather {n}", "Rain all day.", day, "TASS")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")  # windows are sized by the row estimate
    since = first + timedelta(days=415)
    matches = Article.objects.search("ceasefire").filter(published_on__gte=since)
    expected = list(matches.newest_first().values_list("pk", flat=True))
    assert len(expected) == 2

    def text_queries(**kwargs):
        with CaptureQueriesContext(connection) as captured:
            assert matches.newest_text_match_ids(5, **kwargs) == expected
        return [q["sql"] for q in captured if "@@" in q["sql"]]

    assert len(text_queries()) == 4  # the newest 10, 31, 96, then all
    assert len(text_queries(since=since)) == 2  # the newest 10, then all


def test_the_dated_window_is_answered_inside_the_search_index(twelve_reports):
    from django.db import connection, transaction

    from articles.models import Article
    from articles.querysets import DayNumber

    recent = (
        Article.objects.search("ceasefire")
        .alias(day=DayNumber("published_on"))
        .filter(day__gte=18000)
        .newest_first()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = recent.explain()

    index_lines = [line for line in plan.splitlines() if "Index Cond" in line]
    assert "article_search_idx" in plan
    # Both conditions in the index: no row is read, or its vector detoasted, to test them.
    assert any("@@" in line and "1970-01-01" in line for line in index_lines), plan


def test_past_the_count_cap_facets_count_the_newest_matches(api, twelve_reports, monkeypatch):
    from articles.models import Person, PersonMention

    envoy = Person.objects.create(name="Special Envoy")
    oldest, newest = twelve_reports[0], twelve_reports[-1]
    PersonMention.objects.create(article=oldest, entity=envoy, state="confirmed")
    PersonMention.objects.create(article=newest, entity=envoy, state="confirmed")
    exact = api(q="ceasefire")
    assert exact["facets_sampled"] is False
    assert exact["facets"]["people"] == [{"slug": envoy.slug, "name": "Special Envoy", "count": 2}]

    monkeypatch.setattr(search, "COUNT_CAP", 5)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    sampled = api(q="ceasefire")

    assert sampled["count_is_capped"] is True
    assert sampled["facets_sampled"] is True
    # Only the newest three matches were counted: the oldest report's tag is not.
    assert sampled["facets"]["people"] == [
        {"slug": envoy.slug, "name": "Special Envoy", "count": 1}
    ]
    assert sampled["facets"]["sources"] == [{"name": "TASS", "count": 3}]
