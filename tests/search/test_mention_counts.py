"""Entity article counts (the MentionCount journal) stay equal to the tags however they
are written, never make writers wait for each other, and are what the pages show."""

from __future__ import annotations

import random
import re
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from articles import editing, lookups
from articles.models import (
    ENTITY_MODELS,
    TAG_MODELS,
    Article,
    MentionCount,
    Organization,
    OrganizationMention,
    Person,
    PersonMention,
    Place,
    PlaceMention,
)
from tests.search.conftest import build_archive, random_raw_tag_edits

SHOWN = ("suggested", "confirmed")


def expected_counts(kind: str) -> dict[int, int]:
    """Each entity's count straight from its tag table (the definition): rows are
    articles, as there is one tag per article and entity."""
    counts = dict.fromkeys(ENTITY_MODELS[kind].objects.values_list("pk", flat=True), 0)
    for entity_id in (
        TAG_MODELS[kind].objects.filter(state__in=SHOWN).values_list("entity_id", flat=True)
    ):
        counts[entity_id] += 1
    return counts


def stored_counts(kind: str) -> dict[int, int]:
    return dict(
        ENTITY_MODELS[kind].objects.with_article_counts().values_list("pk", "article_count")
    )


def assert_all_in_step() -> None:
    for kind in ENTITY_MODELS:
        assert stored_counts(kind) == expected_counts(kind), kind


@pytest.mark.django_db
def test_the_fixture_archive_counts_are_the_tag_counts(archive):
    assert_all_in_step()
    # From the conftest table: Lavrov is tagged in three articles, one of them rejected.
    assert Person.objects.with_article_counts().get(slug="sergei-lavrov").article_count == 2


@pytest.mark.django_db
def test_review_merge_and_deletes_keep_the_counts_in_step(archive, admin_user):
    lavrov = Person.objects.get(slug="sergei-lavrov")
    editing.review(PersonMention.objects.filter(entity=lavrov), "rejected", user=admin_user)
    assert Person.objects.with_article_counts().get(pk=lavrov.pk).article_count == 0
    editing.review(
        PersonMention.objects.filter(entity=lavrov, article=archive["kremlin"]),
        "confirmed",
        user=admin_user,
    )
    assert Person.objects.with_article_counts().get(pk=lavrov.pk).article_count == 1
    assert_all_in_step()

    nato, osce = Organization.objects.get(slug="nato"), Organization.objects.get(slug="osce")
    before = stored_counts("organization")
    editing.merge_entities(nato, [osce], user=admin_user)
    after = stored_counts("organization")
    assert osce.pk not in after  # the merged entity is gone, and so is its count
    # Articles tagged with both count once for the survivor.
    both = set(
        OrganizationMention.objects.filter(entity=nato, state__in=SHOWN).values_list(
            "article", flat=True
        )
    )
    assert after[nato.pk] == len(both) >= before[nato.pk]
    assert_all_in_step()

    PlaceMention.objects.filter(article=archive["pipeline"]).delete()
    archive["traders"].delete()
    Person.objects.get(slug="antony-blinken").delete()
    assert_all_in_step()


@pytest.mark.django_db
def test_random_edits_by_raw_sql_keep_the_counts_in_step(archive):
    """Triggers, not application code, keep the counts: raw SQL edits are followed too."""
    random_raw_tag_edits(random.Random(11), 60)
    assert_all_in_step()


@pytest.mark.django_db
def test_compacting_leaves_one_row_per_counted_entity_and_the_same_counts(archive, admin_user):
    for state in ("rejected", "confirmed", "rejected", "suggested"):
        editing.review(PlaceMention.objects.all(), state, user=admin_user)
    before = {kind: stored_counts(kind) for kind in ENTITY_MODELS}
    assert MentionCount.objects.count() > MentionCount.objects.distinct("kind", "entity_id").count()

    MentionCount.objects.compact()

    assert {kind: stored_counts(kind) for kind in ENTITY_MODELS} == before
    rows = list(MentionCount.objects.values_list("kind", "entity_id", "articles"))
    assert len(rows) == len({(kind, entity) for kind, entity, _ in rows})
    # Entities counted zero times keep no row at all.
    assert all(articles != 0 for _, _, articles in rows)
    assert_all_in_step()


@pytest.mark.django_db(transaction=True)
def test_two_writers_tagging_the_same_entity_never_wait_for_each_other():
    """A counter row per entity would make the second import wait on the first's row
    lock until it commits (and two imports could deadlock); the journal only appends."""
    build_archive()
    russia = Place.objects.get(country_code="RU", kind="country")
    untagged = list(
        Article.objects.exclude(
            pk__in=PlaceMention.objects.filter(entity=russia).values("article")
        ).values_list("pk", flat=True)
    )
    assert len(untagged) >= 2, "the fixture has articles that do not name Russia"
    before = Place.objects.with_article_counts().get(pk=russia.pk).article_count
    first_inserted, second_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def tag(article_id: int, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                PlaceMention.objects.create(
                    article_id=article_id, entity=russia, state="suggested", origin="editor"
                )
                if hold:  # keep the transaction open until the other writer is done
                    first_inserted.set()
                    assert second_done.wait(10), "the second writer never finished"
                else:
                    MentionCount.objects.compact()  # a compaction beside an open writer
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            if not hold:
                second_done.set()
            connections.close_all()

    holder = threading.Thread(target=tag, args=(untagged[0],), kwargs={"hold": True})
    holder.start()
    assert first_inserted.wait(10)
    tag(untagged[1], hold=False)  # would time out on a lock held by the first writer
    holder.join(10)

    assert not errors, errors
    after = Place.objects.with_article_counts().get(pk=russia.pk).article_count
    assert after == before + 2
    assert_all_in_step()


@pytest.mark.django_db
def test_index_pages_list_entities_by_their_counts_in_a_fixed_number_of_queries(client, archive):
    for path, kind, model in (
        ("/people/", "person", Person),
        ("/organizations/", "organization", Organization),
        ("/countries/", "place", Place),
    ):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(path).content.decode()
        assert len(queries) <= 3, [q["sql"] for q in queries]
        expected = expected_counts(kind)
        shown = re.findall(
            r'<a href="[^"]+">([^<]+)</a> <span class="count"[^>]*>(\d+)</span>', body
        )
        assert shown, body[:2000]
        names = {e.name: e.pk for e in model.objects.all()}
        for name, count in shown:
            assert int(count) == expected[names[name]] > 0, name
        counts = [int(count) for _, count in shown]
        assert counts == sorted(counts, reverse=True)


@pytest.mark.django_db
def test_appears_with_counts_within_the_latest_articles(archive):
    russia = Place.objects.get(country_code="RU", kind="country")
    everything = {row["entity"].name: row["count"] for row in lookups.co_mentioned(russia)}
    latest_two = list(
        PlaceMention.objects.filter(entity=russia, state__in=SHOWN)
        .order_by("-article_id")
        .values_list("article_id", flat=True)[:2]
    )
    windowed = {row["entity"].name: row["count"] for row in lookups.co_mentioned(russia, within=2)}

    assert sum(windowed.values()) < sum(everything.values())
    for name, count in windowed.items():
        kinds = [m for m in TAG_MODELS.values() if m.objects.filter(entity__name=name).exists()]
        in_window = sum(
            m.objects.filter(entity__name=name, state__in=SHOWN, article_id__in=latest_two).count()
            for m in kinds
        )
        assert count == in_window, name
