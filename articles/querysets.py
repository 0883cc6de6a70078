"""Queries on the archive. Views and filters call these; they never build SQL themselves."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import (
    CombinedSearchQuery,
    SearchHeadline,
    SearchQuery,
    SearchRank,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.db.models.functions import Replace

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


# Mentions that count for filters, facets and pages: all but those an editor rejected.
VISIBLE_STATES = ("suggested", "confirmed")


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
        from articles.models import PlaceMention

        mentions = visible(PlaceMention.objects).filter(
            article=OuterRef("pk"), entity__country_code__in=[c.upper() for c in codes]
        )
        return self.filter(Exists(mentions))

    def _mentioning(self, relation: str, entities: Iterable) -> ArticleQuerySet:
        model = self.model._meta.get_field(relation).related_model
        mentions = visible(model.objects).filter(article=OuterRef("pk"), entity__in=entities)
        return self.filter(Exists(mentions))

    def related_coverage(self, article, *, limit: int = 6) -> list:
        """Other articles sharing the most entities with `article`, most shared first."""
        from articles.models import OrganizationMention, PersonMention, PlaceMention

        shared: dict[int, int] = {}
        for model in (PersonMention, OrganizationMention, PlaceMention):
            entities = visible(model.objects).filter(article=article).values("entity")
            rows = (
                visible(model.objects)
                .filter(entity__in=entities)
                .exclude(article=article)
                .values_list("article")
                .annotate(n=Count("id"))
                .order_by("-n")[:200]
            )
            for article_id, n in rows:
                shared[article_id] = shared.get(article_id, 0) + n
        best = sorted(shared, key=lambda pk: -shared[pk])[:limit]
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
        """Annotate `article_count`: articles whose mention of it is not rejected."""
        return self.annotate(
            article_count=Count("mentions", filter=Q(mentions__state__in=VISIBLE_STATES))
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
