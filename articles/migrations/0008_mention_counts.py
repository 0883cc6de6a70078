# Each entity's article count, kept by triggers as a journal of changes (MentionCount).

from django.db import migrations, models

VISIBLE = "('suggested', 'confirmed')"

FUNCTIONS = f"""
-- TG_ARGV[0] is the entity kind: 'person', 'organization' or 'place'.
CREATE FUNCTION articles_count_after_tag_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_mentioncount (kind, entity_id, articles)
    SELECT TG_ARGV[0], entity_id, count(*) FROM changed_rows
    WHERE state IN {VISIBLE} GROUP BY entity_id;
    RETURN NULL;
END $$;

CREATE FUNCTION articles_count_after_tag_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_mentioncount (kind, entity_id, articles)
    SELECT TG_ARGV[0], entity_id, -count(*) FROM changed_rows
    WHERE state IN {VISIBLE} GROUP BY entity_id;
    RETURN NULL;
END $$;

-- A review (state) or a merge (entity) moves counts; most updates (a re-tag's new
-- evidence) move none and write nothing.
CREATE FUNCTION articles_count_after_tag_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_mentioncount (kind, entity_id, articles)
    SELECT TG_ARGV[0], entity_id, sum(change) FROM (
        SELECT entity_id, 1 AS change FROM changed_rows WHERE state IN {VISIBLE}
        UNION ALL
        SELECT entity_id, -1 FROM old_rows WHERE state IN {VISIBLE}
    ) AS changes
    GROUP BY entity_id HAVING sum(change) <> 0;
    RETURN NULL;
END $$;

-- One row per entity again. Safe beside writers and another compaction: the DELETE
-- sees one snapshot, re-adds exactly the rows it removed, and skips rows that a
-- concurrent compaction removed first.
CREATE FUNCTION articles_compact_mention_counts() RETURNS void
LANGUAGE sql AS $$
    WITH folded AS (
        DELETE FROM articles_mentioncount RETURNING kind, entity_id, articles
    )
    INSERT INTO articles_mentioncount (kind, entity_id, articles)
    SELECT kind, entity_id, sum(articles) FROM folded
    GROUP BY kind, entity_id HAVING sum(articles) <> 0;
$$;
"""

TAG_TABLES = {
    "person": "articles_personmention",
    "organization": "articles_organizationmention",
    "place": "articles_placemention",
}

TRIGGERS = "".join(
    f"""
CREATE TRIGGER {table}_counts_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_count_after_tag_insert('{kind}');
CREATE TRIGGER {table}_counts_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_count_after_tag_delete('{kind}');
CREATE TRIGGER {table}_counts_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_count_after_tag_update('{kind}');
"""
    for kind, table in TAG_TABLES.items()
)

BACKFILL = "".join(
    f"""
INSERT INTO articles_mentioncount (kind, entity_id, articles)
SELECT '{kind}', entity_id, count(*) FROM {table}
WHERE state IN {VISIBLE} GROUP BY entity_id;
"""
    for kind, table in TAG_TABLES.items()
)

DROP = (
    "".join(
        f"DROP TRIGGER IF EXISTS {table}_counts_{event} ON {table};"
        for table in TAG_TABLES.values()
        for event in ("insert", "delete", "update")
    )
    + """
DROP FUNCTION IF EXISTS articles_compact_mention_counts();
DROP FUNCTION IF EXISTS articles_count_after_tag_update();
DROP FUNCTION IF EXISTS articles_count_after_tag_delete();
DROP FUNCTION IF EXISTS articles_count_after_tag_insert();
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_facets_and_dated_search_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="MentionCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=12)),
                ("entity_id", models.BigIntegerField()),
                ("articles", models.IntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["kind", "entity_id"],
                        include=["articles"],
                        name="mention_count_entity_idx",
                    )
                ],
            },
        ),
        migrations.RunSQL(FUNCTIONS + TRIGGERS + BACKFILL, DROP),
    ]
