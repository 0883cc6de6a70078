"""ArticleFacets, the narrow row facets count on, stays equal to the tags however they
are written: import, editor review, merge, place edits, deletes and raw SQL."""

from __future__ import annotations

import random
from datetime import date

import pytest

from articles import editing
from articles.models import (
    Article,
    ArticleFacets,
    Organization,
    OrganizationMention,
    Person,
    PersonMention,
    Place,
    PlaceMention,
)
from articles.search import facets_for
from tests.search.conftest import random_raw_tag_edits

pytestmark = pytest.mark.django_db


def expected_facets(article: Article) -> dict:
    """An article's facet values, straight from the tag tables (the definition)."""
    shown = ("suggested", "confirmed")
    return {
        "source": article.source,
        "people": sorted(
            PersonMention.objects.filter(article=article, state__in=shown)
            .values_list("entity_id", flat=True)
            .distinct()
        ),
        "organizations": sorted(
            OrganizationMention.objects.filter(article=article, state__in=shown)
            .values_list("entity_id", flat=True)
            .distinct()
        ),
        "countries": sorted(
            set(
                PlaceMention.objects.filter(article=article, state__in=shown)
                .exclude(entity__country_code="")
                .values_list("entity__country_code", flat=True)
            )
        ),
    }


def stored_facets(article: Article) -> dict:
    row = ArticleFacets.objects.get(article=article)
    return {
        "source": row.source,
        "people": row.people,
        "organizations": row.organizations,
        "countries": row.countries,
    }


def assert_all_in_step() -> None:
    articles = list(Article.objects.all())
    assert ArticleFacets.objects.count() == len(articles)
    for article in articles:
        assert stored_facets(article) == expected_facets(article), article.title


def test_the_fixture_archive_is_in_step(archive):
    assert_all_in_step()
    # Spot checks against the conftest table: rejected tags count for nothing, a city
    # counts for its country, a country named twice counts once.
    assert stored_facets(archive["customs"])["countries"] == ["SE"]
    assert stored_facets(archive["farmers"])["countries"] == ["UA"]
    assert stored_facets(archive["submarine"])["people"] == []


def test_review_merge_place_edits_and_deletes_keep_it_in_step(archive, admin_user):
    lavrov = Person.objects.get(slug="sergei-lavrov")
    # Rejecting every Lavrov tag removes him; confirming one brings it back.
    editing.review(PersonMention.objects.filter(entity=lavrov), "rejected", user=admin_user)
    assert all(lavrov.pk not in row.people for row in ArticleFacets.objects.all())
    editing.review(
        PersonMention.objects.filter(entity=lavrov, article=archive["kremlin"]),
        "confirmed",
        user=admin_user,
    )
    assert lavrov.pk in stored_facets(archive["kremlin"])["people"]
    assert_all_in_step()

    # Merging moves the tags: the merged id disappears, the survivor's appears.
    nato, osce = Organization.objects.get(slug="nato"), Organization.objects.get(slug="osce")
    editing.merge_entities(nato, [osce], user=admin_user)
    assert all(osce.pk not in row.organizations for row in ArticleFacets.objects.all())
    assert nato.pk in stored_facets(archive["stockholm_talks"])["organizations"]
    assert_all_in_step()

    # A city moved to another country moves its articles' country with it.
    stockholm = Place.objects.get(slug="stockholm")
    stockholm.country_code = "NO"
    stockholm.save()
    assert stored_facets(archive["customs"])["countries"] == ["NO"]
    assert_all_in_step()

    # Source edits, tag deletes and article deletes.
    Article.objects.filter(pk=archive["riga"].pk).update(source="Reuters")
    PlaceMention.objects.filter(article=archive["pipeline"]).delete()
    gone = archive["traders"].pk
    archive["traders"].delete()
    assert not ArticleFacets.objects.filter(article_id=gone).exists()
    assert stored_facets(archive["riga"])["source"] == "Reuters"
    assert stored_facets(archive["pipeline"])["countries"] == []
    assert_all_in_step()


def test_random_edits_by_raw_sql_keep_it_in_step(archive):
    """Triggers, not application code, keep the row: raw SQL edits are followed too."""
    random_raw_tag_edits(random.Random(7), 40)
    assert_all_in_step()


def test_a_new_article_without_tags_has_its_row(db):
    article = Article.objects.create(
        key="k", title="Quiet day", published_on=date(2021, 1, 1), source="TASS"
    )
    assert stored_facets(article) == {
        "source": "TASS",
        "people": [],
        "organizations": [],
        "countries": [],
    }


def test_facet_counts_equal_counts_from_the_tag_tables(archive):
    ids = list(Article.objects.values_list("pk", flat=True))
    facets = facets_for(ids)

    shown = ("suggested", "confirmed")
    for person in facets["people"]:
        expected = (
            PersonMention.objects.filter(entity=person, state__in=shown, article_id__in=ids)
            .values("article")
            .distinct()
            .count()
        )
        assert person.count == expected, person.name
    for country in facets["countries"]:
        expected = (
            PlaceMention.objects.filter(
                entity__country_code=country["code"], state__in=shown, article_id__in=ids
            )
            .values("article")
            .distinct()
            .count()
        )
        assert country["count"] == expected, country["code"]
    sources = {row["source"]: row["count"] for row in facets["sources"]}
    assert sources == {"Al Jazeera": 3, "Deutsche Welle": 3, "TASS": 3, "The Moscow Times": 1}
    # Ordered by count, most first.
    counts = [c["count"] for c in facets["countries"]]
    assert counts == sorted(counts, reverse=True)
