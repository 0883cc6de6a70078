"""A search as a CSV file: the search page's parameters, at most EXPORT_CAP rows, streamed.

Rows come in the search's order (relevance ranks the newest EXPORT_CAP matches, as the
page ranks the newest RANK_CANDIDATES). Tags are the ones the public pages show:
confirmed and suggested, never rejected.

A spreadsheet runs a cell that starts with =, +, -, @ (or a tab or carriage return
before one) as a formula, and imported news is untrusted: such cells get a leading `'`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from django.http import QueryDict

from articles.filters import ArticleFilter, SortChoices
from articles.models import Article
from articles.search import countries_of, text_search_plans, visible_tag_prefetches

EXPORT_CAP = 10_000
COLUMNS = [
    "id",
    "published_on",
    "source",
    "title",
    "url",
    "people",
    "organizations",
    "countries",
]
# Rows fetched per round trip; each chunk also prefetches its rows' tags.
CHUNK_SIZE = 1_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NAME_SEPARATOR = "; "


def neutralised(value: object) -> str:
    """The cell as text that no spreadsheet will run as a formula (OWASP's advice)."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@dataclass
class SearchExport:
    """A validated search to export: `rows()` yields the CSV's rows, header first."""

    filterset: ArticleFilter
    cap: int
    matches: int = 0  # the count up to `cap`, cap + 1 when there are more

    @property
    def is_valid(self) -> bool:
        return self.filterset.is_valid()

    @property
    def truncated(self) -> bool:
        return self.matches > self.cap

    @property
    def labelled_errors(self) -> list[tuple[str, str]]:
        labels = {name: f.label for name, f in self.filterset.form.fields.items()}
        return [
            (str(labels.get(name) or name), message)
            for name, messages in self.filterset.form.errors.items()
            for message in messages
        ]

    def planned_queries(self):
        """The text-search planner setting the search page runs its queries with."""
        return text_search_plans() if self.filterset.query_text else nullcontext()

    def _ordered(self):
        matches = self.filterset.qs
        if self.filterset.sort_order == SortChoices.RELEVANCE:
            # Ranking reads every match's vector: rank the newest `cap` of them only.
            return matches.rank_within_newest(self.filterset.expanded_query.query, self.cap)
        return self.filterset.sorted(matches)

    def rows(self) -> Iterator[list[str]]:
        yield COLUMNS
        articles = (
            self._ordered()
            .only("published_on", "source", "title", "url")
            .prefetch_related(*visible_tag_prefetches())[: self.cap]
        )
        with self.planned_queries():
            for article in articles.iterator(chunk_size=CHUNK_SIZE):
                yield [neutralised(cell) for cell in _cells(article)]
        if self.truncated:
            yield [f"# Only the first {self.cap:,} matching articles; narrow the search."]


def _cells(article: Article) -> list[object]:
    return [
        article.pk,
        article.published_on.isoformat(),
        article.source,
        article.title,
        article.url,
        NAME_SEPARATOR.join(m.entity.name for m in article.visible_people),
        NAME_SEPARATOR.join(m.entity.name for m in article.visible_organizations),
        NAME_SEPARATOR.join(country["name"] for country in countries_of(article)),
    ]


def search_export(params: QueryDict, *, cap: int = EXPORT_CAP) -> SearchExport:
    """Validate the search parameters `params` and count the matches up to `cap`."""
    export = SearchExport(ArticleFilter(params, queryset=Article.objects.all()), cap=cap)
    if export.is_valid:
        with export.planned_queries():
            export.matches = export.filterset.qs.count_capped(cap)
    return export


class _Echo:
    """A file-like object whose write() returns what it was given (Django's recipe)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    """Each row as one CSV line, after a UTF-8 byte order mark that tells Excel the
    encoding (without it, "Zelenskíy" opens garbled)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)
