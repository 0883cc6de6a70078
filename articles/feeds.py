"""Atom feeds of a search and of an entity's articles, for journalists to subscribe to.

A feed takes the search page's parameters and answers through `run_search`, so it finds
exactly what the page finds; it is always newest first, FEED_SIZE entries, whatever
`sort`, `page` or `page_size` say. Invalid parameters answer 400, as the page does.

Entries are text, never markup from the archive: titles are Atom text constructs, and
the summary (standfirst or first paragraph) is escaped before it goes into Atom's
`type="html"` summary, so a feed reader shows `<script>` as text and runs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.http import HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator

from articles.filters import SortChoices
from articles.models import Article, Organization, Person, Place
from articles.search import SearchResult, run_search
from articles.views import MovedEntity, entity_feed_url, get_entity

FEED_SIZE = 50
SUMMARY_WORDS = 60
# How the page shows results, not which: a feed chooses these itself.
_PRESENTATION_PARAMS = ("page", "page_size", "sort")
# Characters XML 1.0 cannot hold (Django's feed writer refuses the control characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters an XML document cannot hold, even escaped.

    Imported text and typed queries may have them (a stray escape code); dropping them
    beats failing the whole feed.
    """
    return _NOT_XML.sub("", text)


class InvalidSearch(Exception):
    def __init__(self, result: SearchResult):
        self.result = result


@dataclass
class FeedSubject:
    """What one feed is about: its title, the page it mirrors, and the entries."""

    title: str
    subtitle: str
    page_url: str
    feed_url: str
    articles: list[Article] = field(default_factory=list)


def newest_matches(params: QueryDict) -> SearchResult:
    """The FEED_SIZE newest articles matching the search parameters `params`."""
    params = params.copy()
    for name in _PRESENTATION_PARAMS:
        params.pop(name, None)
    params.setlist("sort", [SortChoices.NEWEST])
    result = run_search(params, default_page_size=FEED_SIZE, facets=False)
    if not result.is_valid:
        raise InvalidSearch(result)
    return result


def add_summaries(articles: list[Article]) -> list[Article]:
    """Set each article's `summary`: its standfirst, or else its first paragraph, as
    plain text.

    The search rows leave out the body, so the first paragraphs of those without a
    standfirst come in one query for the whole feed.
    """
    texts = {article.pk: article.subtitle for article in articles if article.subtitle}
    missing = [article.pk for article in articles if not article.subtitle]
    if missing:
        for pk, blocks in Article.objects.filter(pk__in=missing).values_list("pk", "blocks"):
            paragraphs = [block["text"] for block in blocks if block.get("kind") == "paragraph"]
            texts[pk] = paragraphs[0] if paragraphs else ""
    for article in articles:
        article.summary = Truncator(texts.get(article.pk, "")).words(SUMMARY_WORDS)
    return articles


def feed_query_string(params: QueryDict) -> str:
    """`params` as a query string without what a feed ignores: for the page it mirrors."""
    params = params.copy()
    for name in _PRESENTATION_PARAMS:
        params.pop(name, None)
    return f"?{params.urlencode()}" if params else ""


class SearchFeed(Feed):
    """/search/feed/?q=…: the newest articles of a search."""

    feed_type = Atom1Feed
    author_name = "Newsdesk"

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidSearch as invalid:
            lines = [f"{label}: {message}" for label, message in invalid.result.labelled_errors]
            return HttpResponse(
                "We could not run this search.\n" + "\n".join(lines) + "\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )

    def get_object(self, request) -> FeedSubject:
        result = newest_matches(request.GET)
        query = feed_query_string(request.GET)
        text = result.query_text
        return self.subject(
            result,
            title=f"Newsdesk: “{text}”" if text else "Newsdesk: newest articles",
            page_url=reverse("articles:search") + query,
            feed_url=request.get_full_path(),
        )

    @staticmethod
    def subject(result: SearchResult, *, title: str, page_url: str, feed_url: str):
        return FeedSubject(
            title=title,
            subtitle=f"The {FEED_SIZE} newest articles in the Newsdesk archive that match.",
            page_url=page_url,
            feed_url=feed_url,
            articles=add_summaries(result.rows),
        )

    # Feed-level attributes.
    def title(self, subject: FeedSubject) -> str:
        return xml_text(subject.title)

    def subtitle(self, subject: FeedSubject) -> str:
        return xml_text(subject.subtitle)

    def link(self, subject: FeedSubject) -> str:
        return subject.page_url

    def feed_url(self, subject: FeedSubject) -> str:
        return subject.feed_url

    def items(self, subject: FeedSubject) -> list[Article]:
        return subject.articles

    # Entries.
    def item_title(self, article: Article) -> str:
        # An Atom <title> without a type is text: the XML writer escapes it, no more.
        return xml_text(article.title)

    def item_description(self, article: Article) -> str:
        # Atom1Feed writes the summary as type="html": escaped, it reads as plain text.
        return escape(xml_text(article.summary))

    def item_link(self, article: Article) -> str:
        return article.get_absolute_url()

    def item_pubdate(self, article: Article) -> datetime:
        # The source's time zone is unknown; the feed says UTC (settings.TIME_ZONE).
        return datetime.combine(article.published_on, article.published_time or time.min)

    def item_updateddate(self, article: Article) -> datetime:
        return article.updated_at

    def item_author_name(self, article: Article) -> str | None:
        return xml_text(", ".join(article.authors) or article.agency) or None


class EntityFeed(SearchFeed):
    """/people/<slug>/feed/ and the like: the newest articles that mention one entity.

    Takes the search parameters too (a person's articles about sanctions); a merged
    entity's old feed URL redirects to the survivor's feed, as its page does.
    """

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except MovedEntity as moved:
            url = entity_feed_url(moved.entity)
            if request.GET:
                url = f"{url}?{request.GET.urlencode()}"
            return HttpResponsePermanentRedirect(url)

    def get_object(self, request, *, kind: str, key: str) -> FeedSubject:
        if kind == "country":
            entity = get_entity(Place, kind=Place.Kind.COUNTRY, country_code=key.upper())
            scope_param, scope_value = "country", entity.country_code
        else:
            model = {"person": Person, "organization": Organization, "place": Place}[kind]
            entity = get_entity(model, slug=key)
            if kind == "place" and entity.kind == Place.Kind.COUNTRY and entity.country_code:
                raise MovedEntity(entity)  # a country's feed is under /countries/
            scope_param, scope_value = kind, entity.slug
        params = request.GET.copy()
        params.setlist(scope_param, [scope_value])
        result = newest_matches(params)
        text = result.query_text
        return self.subject(
            result,
            title=f"Newsdesk: {entity.name}" + (f" — “{text}”" if text else ""),
            page_url=entity.get_absolute_url() + feed_query_string(request.GET),
            feed_url=request.get_full_path(),
        )
