"""Running a search: the FilterSet, a capped count, one page of rows, snippets and facets.

The HTML page and the JSON API both call `run_search`, so they cannot drift apart, and
both run the same fixed number of queries whatever the page size.
"""

from __future__ import annotations

import html
import math
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from django import forms
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.safestring import SafeString, mark_safe

from articles.filters import ArticleFilter, SortChoices
from articles.models import (
    Article,
    Organization,
    OrganizationMention,
    Person,
    PersonMention,
    Place,
    PlaceMention,
)
from articles.querysets import MARK_START, MARK_STOP, VISIBLE_STATES, count_facets

COUNT_CAP = 10_000
# Past this many matches, relevance ranks the newest ones only (see rank_within_newest).
RANK_CANDIDATES = 5_000
MAX_PAGE_SIZE = 100
FACET_SIZE = 10


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, required=False)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)

    def clean(self):
        cleaned = super().clean()
        page, size = cleaned.get("page") or 1, cleaned.get("page_size") or 20
        if page * size > COUNT_CAP + size:
            self.add_error(
                "page", f"Results are paged up to the first {COUNT_CAP:,}; narrow the search."
            )
        return cleaned


@dataclass
class SearchResult:
    filterset: ArticleFilter
    page_form: PageForm
    rows: list[Article] = field(default_factory=list)
    count: int = 0
    page: int = 1
    page_size: int = 20
    facets: dict = field(default_factory=dict)
    ranked_newest_only: bool = False  # relevance ranked the newest RANK_CANDIDATES matches
    facets_sampled: bool = False  # facets counted the newest RANK_CANDIDATES matches

    @property
    def errors(self) -> dict[str, list[str]]:
        errors = {}
        for form in (self.filterset.form, self.page_form):
            errors.update({name: list(messages) for name, messages in form.errors.items()})
        return errors

    @property
    def labelled_errors(self) -> list[tuple[str, str]]:
        """(field label, message) pairs, for people rather than programs."""
        labels = {name: field.label for name, field in self.filterset.form.fields.items()}
        labels.update(page="Page", page_size="Page size", __all__="Search")
        return [
            (str(labels.get(name) or name), message)
            for name, messages in self.errors.items()
            for message in messages
        ]

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def count_is_capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def count_display(self) -> str:
        return f"{COUNT_CAP:,}+" if self.count_is_capped else f"{self.count:,}"

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.count, COUNT_CAP) / self.page_size))

    @property
    def query_text(self) -> str:
        return self.filterset.query_text

    @property
    def also_searched(self) -> tuple[str, ...]:
        expanded = self.filterset.expanded_query if self.is_valid else None
        return expanded.also_searched if expanded else ()


def run_search(
    params, *, queryset: QuerySet | None = None, default_page_size: int = 20, facets: bool = True
) -> SearchResult:
    """Validate `params` (a QueryDict), then fetch one page of results and the facets."""
    # One database for the whole search: with read replicas, the planner settings of
    # text_search_plans must be in force where the queries run.
    using = router.db_for_read(Article)
    base = (queryset if queryset is not None else Article.objects.all()).using(using)
    filterset = ArticleFilter(params, queryset=base)
    page_form = PageForm(params)
    result = SearchResult(filterset=filterset, page_form=page_form)
    if not (filterset.is_valid() and page_form.is_valid()):
        return result

    result.page = page_form.cleaned_data.get("page") or 1
    result.page_size = page_form.cleaned_data.get("page_size") or default_page_size
    planning = text_search_plans(using) if filterset.query_text else nullcontext()
    with planning:
        _fetch(result, filterset, facets=facets, using=using)
    return result


def _fetch(result: SearchResult, filterset: ArticleFilter, *, facets: bool, using: str) -> None:
    """Find the matches once, then page, rank and count facets over their ids.

    One pass yields up to COUNT_CAP + 1 matching ids: the capped count, and (when under
    the cap) the exact set the facets count. A text search takes them newest first from
    the dated search index (newest_text_match_ids), which for a common word reads only
    the newest rows instead of building a bitmap of most of the archive (at a million
    articles: "said" 159 ms that way, ~20 ms this way). Past the cap the facets and the
    relevance ranking work on the newest RANK_CANDIDATES matches, and the page says so.
    Every later query takes ids as one array: none evaluates the search again.
    """
    matches = filterset.qs
    by_id = Article.objects.using(using).filter
    text, sort = result.query_text, filterset.sort_order
    # Text: newest first. Filters only: in any order.
    if text:
        since = filterset.form.cleaned_data.get("date_from")
        ids = matches.newest_text_match_ids(COUNT_CAP + 1, since=since)
    else:
        ids = matches.match_ids(COUNT_CAP + 1)
    result.count = len(ids)
    newest: list[int] | None = None
    if result.count_is_capped:
        newest = ids[:RANK_CANDIDATES] if text else matches.newest_ids(RANK_CANDIDATES)
        result.facets_sampled = True

    if text and sort == SortChoices.RELEVANCE:
        ranked = ids
        if result.count > RANK_CANDIDATES:
            # Ranking reads every candidate's search vector: rank the newest only.
            ranked = ids[:RANK_CANDIDATES]
            result.ranked_newest_only = True
        ordered = by_id(pk__any_of=ranked).by_relevance(filterset.expanded_query.query)
    elif result.count_is_capped:
        ordered = filterset.sorted(matches)  # many matches: walking the date index is right
    else:
        # Few matches: sort their ids by date rather than walk the date index to find them.
        ordered = filterset.sorted(by_id(pk__any_of=ids))

    start = (result.page - 1) * result.page_size
    page_rows = ordered.defer("body", "blocks", "search_vector").prefetch_related(
        *visible_tag_prefetches()
    )
    if text:
        page_rows = page_rows.with_snippets(filterset.expanded_query.query)
    result.rows = list(page_rows[start : start + result.page_size])
    if facets:
        result.facets = facets_for(newest if newest is not None else ids, using=using)


def facets_for(article_ids: list[int], *, using: str = DEFAULT_DB_ALIAS) -> dict[str, list]:
    """The facet lists a page shows: entities with a `count`, countries and sources."""
    counts = count_facets(article_ids, limit=FACET_SIZE, using=using)

    def entities(model, rows):
        found = model.objects.using(using).in_bulk([int(pk) for pk, _ in rows])
        ranked = []
        for pk, n in rows:
            if entity := found.get(int(pk)):
                entity.count = n
                ranked.append(entity)
        return ranked

    codes = [code for code, _ in counts["countries"]]
    names = (
        dict(
            Place.objects.using(using)
            .filter(kind=Place.Kind.COUNTRY, country_code__in=codes)
            .values_list("country_code", "name")
        )
        if codes
        else {}
    )
    return {
        "people": entities(Person, counts["people"]),
        "organizations": entities(Organization, counts["organizations"]),
        "countries": [
            {"code": code, "name": names.get(code, code), "country_name": "", "count": n}
            for code, n in counts["countries"]
        ],
        "sources": [{"source": source, "count": n} for source, n in counts["sources"]],
    }


@contextmanager
def text_search_plans(using: str | None = None):
    """Plan a text search for what it is: an index lookup, never a scan of vectors.

    When a word matches most of the archive, the planner prefers a sequential scan that
    tests `search_vector @@ query` on every row, and so detoasts every vector. It does
    not price the detoasting; the GIN index answers the same without touching a single
    vector (measured on the 3,250-article corpus: the capped count of "said" 8.9 ms by
    sequential scan, 1.9 ms by bitmap index scan). A word in most of a million articles
    makes a bitmap too big for the default 4 MB of work_mem, and a lossy bitmap is
    rechecked row by row: 64 MB keeps it exact. Both settings last to the end of this
    transaction, which runs where reads go (a replica when there is one).
    """
    using = using or router.db_for_read(Article)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


# What pages and the API show of a tag; evidence, offsets and aliases stay in the database.
_TAG_FIELDS = ("article_id", "entity_id", "count", "state")
_ENTITY_FIELDS = ("entity__name", "entity__slug", "entity__role")


def visible_tag_prefetches() -> list[Prefetch]:
    """Each row's people, organizations and places: one query per kind for the page."""

    def tags(model, *related: str, fields: tuple[str, ...] = ()):
        return (
            model.objects.filter(state__in=VISIBLE_STATES)
            .select_related(*related)
            .only(*_TAG_FIELDS, *fields)
            .order_by("-count", "entity__name")
        )

    return [
        Prefetch(
            "personmention_set",
            tags(PersonMention, "entity", fields=_ENTITY_FIELDS),
            to_attr="visible_people",
        ),
        Prefetch(
            "organizationmention_set",
            tags(OrganizationMention, "entity", fields=("entity__name", "entity__slug")),
            to_attr="visible_organizations",
        ),
        Prefetch(
            "placemention_set",
            tags(
                PlaceMention,
                "entity",
                "entity__country",
                fields=(
                    "entity__name",
                    "entity__slug",
                    "entity__kind",
                    "entity__country_code",
                    "entity__country__name",
                    "entity__country__slug",
                    "entity__country__kind",
                    "entity__country__country_code",
                ),
            ),
            to_attr="visible_places",
        ),
    ]


def countries_of(article: Article) -> list[dict]:
    """The countries an article mentions, directly or through a place, once each."""
    seen: dict[str, str] = {}
    for mention in getattr(article, "visible_places", []):
        place = mention.entity
        if place.kind == "country" and place.country_code:
            seen.setdefault(place.country_code, place.name)
        elif place.country is not None and place.country.country_code:
            seen.setdefault(place.country.country_code, place.country.name)
    return [{"name": name, "code": code} for code, name in seen.items()]


def highlight(marked: str | None) -> SafeString:
    """Our <mark> tags around matches in text that was HTML-escaped before ts_headline.

    The text was escaped in SQL (querysets._html_escaped), so it holds no tag of its own;
    any stray angle bracket is escaped again here all the same, then our sentinels, and
    only they, become <mark> tags.
    """
    if not marked:
        return mark_safe("")
    safe = marked.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return mark_safe(safe.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))


def plain(marked: str | None) -> str:
    """The snippet as plain text, for the API: no sentinels, entities decoded."""
    return html.unescape((marked or "").replace(MARK_START, "").replace(MARK_STOP, ""))
