# The search index gains the publication day (btree_gin), and a narrow per-article row
# of facet values is kept by triggers; see Article.Meta and ArticleFacets. Tags that
# count get an (entity, article) index of their own.

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

import articles.querysets

# What counts as an article's facet values: the same rules as the public pages (tags
# not rejected; a place counts for the country whose code it carries).
REFRESH_FUNCTION = """
CREATE FUNCTION articles_refresh_facets(article_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO articles_articlefacets AS f
        (article_id, source, people, organizations, countries)
    SELECT a.id, a.source,
        ARRAY(SELECT DISTINCT t.entity_id FROM articles_personmention t
              WHERE t.article_id = a.id AND t.state IN ('suggested', 'confirmed')
              ORDER BY 1),
        ARRAY(SELECT DISTINCT t.entity_id FROM articles_organizationmention t
              WHERE t.article_id = a.id AND t.state IN ('suggested', 'confirmed')
              ORDER BY 1),
        ARRAY(SELECT DISTINCT p.country_code FROM articles_placemention t
              JOIN articles_place p ON p.id = t.entity_id
              WHERE t.article_id = a.id AND t.state IN ('suggested', 'confirmed')
                AND p.country_code <> ''
              ORDER BY 1)
    FROM articles_article a
    WHERE a.id = ANY(article_ids)
    ORDER BY a.id  -- one lock order for concurrent imports: no deadlock between them
    ON CONFLICT (article_id) DO UPDATE
        SET source = EXCLUDED.source, people = EXCLUDED.people,
            organizations = EXCLUDED.organizations, countries = EXCLUDED.countries
        WHERE (f.source, f.people, f.organizations, f.countries)
              IS DISTINCT FROM
              (EXCLUDED.source, EXCLUDED.people, EXCLUDED.organizations, EXCLUDED.countries);
$$;

-- Statement-level triggers see every changed row at once (transition tables): one
-- refresh per INSERT/UPDATE/DELETE/COPY, however many rows it wrote.
CREATE FUNCTION articles_facets_after_tags() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_refresh_facets(ARRAY(SELECT DISTINCT article_id FROM changed_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION articles_facets_after_tag_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_refresh_facets(ARRAY(
        SELECT article_id FROM changed_rows UNION SELECT article_id FROM old_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION articles_facets_after_articles() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_refresh_facets(ARRAY(SELECT id FROM changed_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION articles_facets_after_places() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_refresh_facets(ARRAY(
        SELECT DISTINCT t.article_id FROM articles_placemention t
        JOIN changed_rows n ON n.id = t.entity_id
        JOIN old_rows o ON o.id = n.id
        WHERE o.country_code IS DISTINCT FROM n.country_code));
    RETURN NULL;
END $$;
"""

TAG_TABLES = ("articles_personmention", "articles_organizationmention", "articles_placemention")

TRIGGERS = (
    "".join(
        f"""
CREATE TRIGGER {table}_facets_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_facets_after_tags();
CREATE TRIGGER {table}_facets_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_facets_after_tags();
CREATE TRIGGER {table}_facets_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_facets_after_tag_update();
"""
        for table in TAG_TABLES
    )
    + """
CREATE TRIGGER articles_article_facets_insert AFTER INSERT ON articles_article
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_facets_after_articles();
CREATE TRIGGER articles_article_facets_update AFTER UPDATE ON articles_article
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_facets_after_articles();
CREATE TRIGGER articles_place_facets_update AFTER UPDATE ON articles_place
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_facets_after_places();
"""
)

BACKFILL = "SELECT articles_refresh_facets(ARRAY(SELECT id FROM articles_article));"

DROP = (
    "".join(
        f"DROP TRIGGER IF EXISTS {table}_facets_{event} ON {table};"
        for table in TAG_TABLES
        for event in ("insert", "delete", "update")
    )
    + """
DROP TRIGGER IF EXISTS articles_article_facets_insert ON articles_article;
DROP TRIGGER IF EXISTS articles_article_facets_update ON articles_article;
DROP TRIGGER IF EXISTS articles_place_facets_update ON articles_place;
DROP FUNCTION IF EXISTS articles_facets_after_places();
DROP FUNCTION IF EXISTS articles_facets_after_articles();
DROP FUNCTION IF EXISTS articles_facets_after_tag_update();
DROP FUNCTION IF EXISTS articles_facets_after_tags();
DROP FUNCTION IF EXISTS articles_refresh_facets(bigint[]);
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_name_lookup_indexes"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.CreateModel(
            name="ArticleFacets",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DB_CASCADE,
                        primary_key=True,
                        related_name="facets",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("source", models.CharField(blank=True, max_length=200)),
                (
                    "people",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), default=list
                    ),
                ),
                (
                    "organizations",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), default=list
                    ),
                ),
                (
                    "countries",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=2), default=list
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "article facets",
            },
        ),
        migrations.AddIndex(
            model_name="organizationmention",
            index=models.Index(
                condition=models.Q(("state__in", ("suggested", "confirmed"))),
                fields=["entity", "article"],
                name="organization_visible_tags_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="personmention",
            index=models.Index(
                condition=models.Q(("state__in", ("suggested", "confirmed"))),
                fields=["entity", "article"],
                name="person_visible_tags_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="placemention",
            index=models.Index(
                condition=models.Q(("state__in", ("suggested", "confirmed"))),
                fields=["entity", "article"],
                name="place_visible_tags_idx",
            ),
        ),
        migrations.RunSQL(REFRESH_FUNCTION + TRIGGERS + BACKFILL, DROP),
        migrations.RemoveIndex(
            model_name="article",
            name="article_search_idx",
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("search_vector"),
                articles.querysets.DayNumber("published_on"),
                name="article_search_idx",
            ),
        ),
    ]
