"""Queries on the archive. Views and filters call these; they never build SQL themselves."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date

from django.contrib.postgres.search import (
    CombinedSearchQuery,
    SearchHeadline,
    SearchQuery,
    SearchRank,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Replace

# A copy of "english" whose words pass through unaccent first (migration 0002), so that
# "Zelenskíy" and "Zelenskiy" meet. A constant config keeps the generated column immutable.
SEARCH_CONFIG = "newsdesk_english"

# ts_headline markers: characters from Unicode's private use area that no article uses,
# so the snippet can be HTML-escaped whole and only these turned into <mark> tags.
MARK_START = "\ue000"
MARK_STOP = "\ue001"

# ts_rank_cd normalization: 1 divides the rank by 1 + log(document length), so a long
# article that names a word in passing does not outrank a short one about it.
RANK_NORMALIZATION = 1


EPOCH = date(1970, 1, 1)

# Related coverage looks at this many of the latest articles naming each entity.
RELATED_PER_ENTITY = 300

# Mentions that count for filters, facets and pages: all but those an editor rejected.
VISIBLE_STATES = ("suggested", "confirmed")


@contextmanager
def _planner_setting(name: str, value: str, *, using: str):
    """Change one planner setting for the statements inside, within a transaction."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        (before,) = cursor.fetchone()
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        try:
            yield
        finally:
            cursor.execute("SELECT set_config(%s, %s, true)", [name, before])


def visible(mentions: models.QuerySet) -> models.QuerySet:
    return mentions.filter(state__in=VISIBLE_STATES)


def web_query(text: str | SearchQuery) -> SearchQuery:
    """A query in web-search syntax; an already built (or combined) query passes as it is."""
    if isinstance(text, SearchQuery | CombinedSearchQuery):
        return text
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def _html_escaped(field: str):
    """The column with &, < and > escaped, in SQL.

    ts_headline parses its input as HTML-ish text: it drops what looks like a tag
    (`<script>` vanishes instead of showing as text) and keeps what does not (`<img
    onerror=…>`). Escaping first leaves it nothing to drop, and its output is already
    safe HTML text apart from our sentinels (see articles.search.highlight).
    """
    escaped = Replace(F(field), Value("&"), Value("&amp;"))
    escaped = Replace(escaped, Value("<"), Value("&lt;"))
    return Replace(escaped, Value(">"), Value("&gt;"))


class DayNumber(models.Func):
    """A date as days since 1970-01-01: an integer the text index can carry.

    No btree index has this expression, so a condition on it can only be answered by
    the text index that carries it (article_search_idx), never by walking a date index.
    """

    template = "(%(expressions)s - DATE '1970-01-01')"
    output_field = models.IntegerField()


@models.BigAutoField.register_lookup
class AnyOf(models.Lookup):
    """`pk__any_of=[...]`: one array parameter instead of thousands of placeholders."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, self.rhs]


class ArticleQuerySet(models.QuerySet):
    def search(self, text: str | SearchQuery) -> ArticleQuerySet:
        """Articles matching web-search syntax `text` (unordered; see `by_relevance`).

        websearch_to_tsquery never raises on user input: words must all match,
        "quoted phrases" match as phrases, OR is or, -word excludes.
        """
        return self.filter(search_vector=web_query(text))

    def by_relevance(self, text: str | SearchQuery) -> ArticleQuerySet:
        """Best match for `text` first (cover density, title above body, length
        normalised); equal ranks by recency. Annotates `rank`."""
        query = web_query(text)
        rank = SearchRank(
            F("search_vector"), query, cover_density=True, normalization=RANK_NORMALIZATION
        )
        return self.annotate(rank=rank).order_by("-rank", "-published_on", "-id")

    def with_snippets(self, text: str | SearchQuery) -> ArticleQuerySet:
        """Annotate `title_marked` and `snippet_marked` with MARK_START/MARK_STOP sentinels.

        Call it on the page's rows only: ts_headline re-parses the whole text.
        """
        query = web_query(text)
        common = {"config": SEARCH_CONFIG, "start_sel": MARK_START, "stop_sel": MARK_STOP}
        return self.annotate(
            title_marked=SearchHeadline(
                _html_escaped("title"), query, highlight_all=True, **common
            ),
            snippet_marked=SearchHeadline(
                _html_escaped("body"),
                query,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
                **common,
            ),
        )

    def mentioning_people(self, people: Iterable) -> ArticleQuerySet:
        return self._mentioning("personmention", people)

    def mentioning_organizations(self, organizations: Iterable) -> ArticleQuerySet:
        return self._mentioning("organizationmention", organizations)

    def mentioning_places(self, places: Iterable) -> ArticleQuerySet:
        return self._mentioning("placemention", places)

    def in_countries(self, codes: Iterable[str]) -> ArticleQuerySet:
        """Articles that mention one of these countries, or a place that lies in one."""
        from articles.models import Place, PlaceMention

        # Place ids as constants (see _mentioning): the country and every place within.
        places = list(
            Place.objects.filter(country_code__in=[c.upper() for c in codes]).values_list(
                "pk", flat=True
            )
        )
        mentions = visible(PlaceMention.objects).filter(article=OuterRef("pk"), entity__in=places)
        return self.filter(Exists(mentions))

    def _mentioning(self, relation: str, entities: Iterable) -> ArticleQuerySet:
        model = self.model._meta.get_field(relation).related_model
        # Ids as constants, not a subquery: the planner then reads how common each
        # entity is from its statistics (a president is in 40% of the archive, most
        # people in a handful) and picks the date-index walk or the tag lookup to suit.
        ids = [getattr(entity, "pk", entity) for entity in entities]
        mentions = visible(model.objects).filter(article=OuterRef("pk"), entity__in=ids)
        return self.filter(Exists(mentions))

    def related_coverage(self, article, *, limit: int = 6) -> list:
        """Other articles sharing the most entities with `article`, most shared first.

        Each of the article's entities contributes its most recently added
        RELATED_PER_ENTITY articles, read from the visible-tags index alone: a country
        in half the archive costs as little as a rare name (counting every article that
        mentions the United States took a second at 100,000 articles).
        """
        from articles.models import OrganizationMention, PersonMention, PlaceMention

        shared: dict[int, int] = {}
        for model in (PersonMention, OrganizationMention, PlaceMention):
            table = model._meta.db_table
            entities = list(
                visible(model.objects).filter(article=article).values_list("entity", flat=True)
            )
            if not entities:
                continue
            sql = f"""
                SELECT tagged.article_id, count(*) FROM unnest(%(entities)s::bigint[]) AS e(id),
                LATERAL (
                    SELECT article_id FROM {table}
                    WHERE entity_id = e.id AND state = ANY(%(states)s) AND article_id <> %(self)s
                    ORDER BY article_id DESC LIMIT %(per_entity)s
                ) AS tagged
                GROUP BY tagged.article_id
            """
            params = {
                "entities": entities,
                "states": list(VISIBLE_STATES),
                "self": article.pk,
                "per_entity": RELATED_PER_ENTITY,
            }
            with connections[self.db].cursor() as cursor:
                cursor.execute(sql, params)
                for article_id, n in cursor.fetchall():
                    shared[article_id] = shared.get(article_id, 0) + n
        best = sorted(shared, key=lambda pk: (-shared[pk], -pk))[:limit]
        found = self.filter(pk__in=best).defer("body", "blocks", "search_vector").in_bulk()
        return [found[pk] for pk in best if pk in found]

    def rank_within_newest(self, text: str | SearchQuery, candidates: int) -> ArticleQuerySet:
        """Rank only the newest `candidates` matches for `text`, best first.

        Ranking reads (and detoasts) the search vector of every row it ranks: for a word
        in half the archive that is most of the table. Past a few thousand matches we
        rank the newest of them instead, which is what a news reader wants from a broad
        query anyway. The candidate subquery walks the date index and stops early.
        """
        newest = self.order_by("-published_on", "-id").values("pk")[:candidates]
        return self.filter(pk__in=newest).by_relevance(text)

    def by_date_without_index_walk(self, *, newest: bool) -> ArticleQuerySet:
        """Order by date in a way the planner cannot serve by walking the date index.

        For a rare word, walking the date index and testing each row against the query
        visits most of the archive before finding 20 matches. Sorting an expression
        instead (date + 0) makes it fetch the few matches through the GIN index and sort
        them. Use it only when the matches are few; for common words the walk is right.
        """
        day = ExpressionWrapper(F("published_on") + 0, output_field=models.DateField())
        if newest:
            return self.order_by(day.desc(), "-id")
        return self.order_by(day.asc(), "id")

    def match_ids(self, limit: int) -> list[int]:
        """Up to `limit` ids of these articles, in no order: one pass through the indexes.

        Fewer than `limit` means these are all the matches, and their number the count.
        """
        return list(self.order_by().values_list("pk", flat=True)[:limit])

    def _estimated_rows(self) -> int:
        """The planner's estimate of the table's rows (-1 before the first ANALYZE)."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [self.model._meta.db_table],
            )
            return cursor.fetchone()[0]

    def newest_ids(self, limit: int) -> list[int]:
        return list(self.newest_first().values_list("pk", flat=True)[:limit])

    def newest_text_match_ids(self, limit: int, *, since: date | None = None) -> list[int]:
        """The newest `limit` ids of these text matches, for a query matching many more.

        Sorting every match by date reads every matching row (257,000 rows for "said" at
        a million articles); walking the date index instead tests, and detoasts, one
        search vector per row. Both cost seconds. The search index carries the day
        (DayNumber), so "matches since day D" is one index lookup that reads only the
        rows it returns: look among the newest 2·limit articles first; if that window
        holds too few, size the next from the density it showed (with a margin; at most
        8 times wider, at least twice), and give up on windows once one would cover half
        the archive or the density says the whole archive holds fewer than `limit`. If a
        window holds `limit` matches, the newest `limit` overall are in it. `since` is the
        search's own first day, if it has one: a window reaching back past it narrows
        nothing, so the search is asked once instead.
        """
        days = self.model.objects.order_by("-published_on").values_list("published_on", flat=True)
        archive = self._estimated_rows()
        window = 2 * limit
        for _attempt in range(4):
            if archive >= 0 and window > archive // 2:
                break  # a window of half the archive costs about as much as all of it
            oldest_day = days[window - 1 : window].first()
            if oldest_day is None:  # the archive is smaller than the window
                break
            if since is not None and oldest_day <= since:
                break  # no narrower than the date filter: "a word in the last year"
            recent = self.alias(day=DayNumber("published_on")).filter(
                day__gte=(oldest_day - EPOCH).days
            )
            with _planner_setting("enable_indexscan", "off", using=self.db):
                ids = recent.newest_ids(limit)
            if len(ids) == limit:
                return ids
            if archive > 0 and len(ids) * archive < limit * window:
                # At this window's density the whole archive holds fewer than `limit`:
                # a wider window would find as few; ask for all of them at once.
                break
            # Every match in a window is read (and a phrase rechecked): widen only as far
            # as the density seen says is needed, plus a quarter.
            needed = limit * window * 5 // (4 * max(len(ids), 1))
            window = min(8 * window, max(2 * window, needed))
        with _planner_setting("enable_indexscan", "off", using=self.db):
            return self.newest_ids(limit)

    def newest_first(self) -> ArticleQuerySet:
        return self.order_by("-published_on", "-id")

    def oldest_first(self) -> ArticleQuerySet:
        return self.order_by("published_on", "id")

    def count_capped(self, cap: int) -> int:
        """The exact count up to `cap`, else cap + 1: counting a huge result exactly is slow."""
        return self.order_by().values("pk")[: cap + 1].count()

    def country_facet(self, *, limit: int = 10) -> list[dict]:
        """Countries mentioned in these articles, directly or through a place within.

        An article naming Kiev and Ukraine counts once for UA: distinct (article,
        country) pairs are counted, hashed in one pass over the visible place tags.
        """
        from articles.models import Place, PlaceMention

        try:
            matches_sql, params = self.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. .none(): nothing to count
            return []
        sql = f"""
            SELECT code, count(*) AS n FROM (
                SELECT DISTINCT tag.article_id, place.country_code AS code
                FROM {PlaceMention._meta.db_table} AS tag
                JOIN {Place._meta.db_table} AS place ON place.id = tag.entity_id
                WHERE tag.state = ANY(%s) AND place.country_code <> ''
                  AND tag.article_id IN ({matches_sql})
            ) AS pairs
            GROUP BY code ORDER BY n DESC, code LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(VISIBLE_STATES), *params, limit])
            counts = cursor.fetchall()
        names = dict(
            Place.objects.filter(
                kind=Place.Kind.COUNTRY, country_code__in=[code for code, _ in counts]
            ).values_list("country_code", "name")
        )
        return [
            {"code": code, "name": names.get(code, code), "country_name": "", "count": n}
            for code, n in counts
        ]

    def source_facet(self, *, limit: int = 10) -> list[dict]:
        return list(
            self.order_by()
            .exclude(source="")
            .values("source")
            .annotate(count=Count("id"))
            .order_by("-count", "source")[:limit]
        )


class EntityQuerySet(models.QuerySet):
    def with_article_counts(self) -> EntityQuerySet:
        """Annotate `article_count`: articles whose mention of it is not rejected.

        Read from the MentionCount journal (a handful of rows per entity) rather than
        counted over the tags: at a million articles the United States alone has
        400,000 of them, and the index pages sort every entity by its count.
        """
        from articles.models import MentionCount

        total = (
            MentionCount.objects.filter(kind=self.model._meta.model_name, entity_id=OuterRef("pk"))
            .order_by()
            .values("entity_id")
            .annotate(total=Sum("articles"))
            .values("total")
        )
        return self.annotate(
            article_count=Coalesce(Subquery(total, output_field=models.IntegerField()), 0)
        )

    def facet(self, articles: models.QuerySet, *, limit: int = 10) -> list:
        """The entities most mentioned in `articles`, each with `count` of those articles.

        Counted on the tag table alone (one tag per article and entity, so rows are
        articles) and only then joined to names: grouping the wide entity rows instead
        cost twice as much on a word found in most of the archive.
        """
        tag_model = self.model._meta.get_field("mentions").related_model
        counts = list(
            visible(tag_model.objects)
            .filter(article__in=articles.order_by().values("pk"))
            .values("entity")
            .annotate(count=Count("id"))
            .order_by("-count", "entity")[:limit]
        )
        entities = self.in_bulk([row["entity"] for row in counts])
        ranked = []
        for row in counts:
            if entity := entities.get(row["entity"]):
                entity.count = row["count"]
                ranked.append(entity)
        return ranked


class MentionCountQuerySet(models.QuerySet):
    def compact(self) -> None:
        """Fold the journal into one row per entity (migration 0008's function).

        Safe beside imports and another compaction; the importer and `retag` call it
        when they finish, so the journal stays about one row per entity.
        """
        with connections[self.db].cursor() as cursor:
            cursor.execute("SELECT articles_compact_mention_counts()")


def count_facets(article_ids: list[int], *, limit: int = 10, using: str = "default") -> dict:
    """The `limit` most frequent people, organizations, countries and sources among
    `article_ids`, from ArticleFacets: one narrow row per article, one statement."""
    from articles.models import ArticleFacets

    table = ArticleFacets._meta.db_table
    sql = f"""
        WITH matched AS MATERIALIZED (
            SELECT source, people, organizations, countries FROM {table}
            WHERE article_id = ANY(%(ids)s::bigint[])
        )
        (SELECT 'people', value::text, count(*) AS n
           FROM matched, unnest(people) AS value
           GROUP BY value ORDER BY n DESC, value LIMIT %(limit)s)
        UNION ALL
        (SELECT 'organizations', value::text, count(*) AS n
           FROM matched, unnest(organizations) AS value
           GROUP BY value ORDER BY n DESC, value LIMIT %(limit)s)
        UNION ALL
        (SELECT 'countries', value, count(*) AS n
           FROM matched, unnest(countries) AS value
           GROUP BY value ORDER BY n DESC, value LIMIT %(limit)s)
        UNION ALL
        (SELECT 'sources', source, count(*) AS n
           FROM matched WHERE source <> ''
           GROUP BY source ORDER BY n DESC, source LIMIT %(limit)s)
    """
    counts: dict[str, list] = {"people": [], "organizations": [], "countries": [], "sources": []}
    if not article_ids:
        return counts
    with connections[using].cursor() as cursor:
        cursor.execute(sql, {"ids": list(article_ids), "limit": limit})
        for kind, value, n in cursor.fetchall():
            counts[kind].append((value, n))
    return counts
