"""The page query's shape changes with the number of matches; its answers must not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from articles import search

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


def test_date_sort_for_few_matches_does_not_order_by_the_bare_date_column(twelve_reports):
    from django.http import QueryDict

    from articles.filters import ArticleFilter
    from articles.models import Article

    filterset = ArticleFilter(QueryDict("q=ceasefire&sort=newest"), queryset=Article.objects)
    guarded, ranked = search._sorted_for_the_planner(filterset.qs, filterset, count=12)

    sql = str(guarded.query)
    assert ranked is False
    assert '("articles_article"."published_on" + 0) DESC' in sql


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
