"""A peer for the search benchmark: Datasette over SQLite FTS5, on the same corpus.

    python benchmarks/datasette_peer.py export --dsn postgres://.../nd_100k --out /tmp/x.db
    python benchmarks/datasette_peer.py serve /tmp/x.db [--port 8001]
    python benchmarks/datasette_peer.py bench /tmp/x.db [--repeat 5] [--q said ...]

From Python (what benchmarks/search_bench.py imports)::

    from benchmarks.datasette_peer import DatasettePeer, export_corpus, peer_requests

    figures = export_corpus(dsn, Path("/tmp/x.db"))      # {"rows", "seconds", "bytes", ...}
    with DatasettePeer(Path("/tmp/x.db")) as peer:
        result = peer.get({"q": '"prime minister"', "country": "UA"})
        result.ids, result.count, result.facets, result.ms   # page ids, total, facets, wall ms
        peer.requests(params)   # the absolute URLs get() fetches, with their expected status

`export_corpus` streams the archive out of PostgreSQL with one COPY (constant memory)
into a SQLite file built with sqlite-utils: table `articles(id, title, subtitle, body,
source, published_on 'YYYY-MM-DD', url, people, organizations, countries)`, the last three
JSON arrays of person slugs, organization slugs and ISO alpha-2 codes; FTS5 (porter) on
title, subtitle and body (`articles_fts`, external content, bm25 weights as its `rank`);
an index on published_on; and the view `articles_without_body` (every column but body),
which the table requests use by default, searchable through `articles_fts` by
`fts_table`/`fts_pk` metadata (see point 7 below for why).

`peer_requests(params, database=...)` maps a Newsdesk search request (the parameters of
`/api/articles/`: q, person, organization, country, source, date_from, date_to, sort,
page_size) to Datasette JSON requests doing the same work as Newsdesk's API: one page of
20 results in the same order, the total count, and the same four facets (people,
organizations, countries, sources; ten values each):

* Without a text query, or sorted by date: ONE request to the table JSON endpoint,
  `/<db>/articles_without_body.json?_sort_desc=published_on&_size=20&<filters>&_facet_array=people
  &_facet_array=organizations&_facet_array=countries&_facet=source&_facet_size=10`,
  with `_search=<FTS5 query>&_searchmode=raw` when there is a text query.
* With a text query sorted by relevance (Newsdesk's default then): TWO requests. The
  table endpoint's `_search` cannot rank: Datasette 0.65 filters with `rowid in (select
  rowid from articles_fts where articles_fts match ...)` and sorts by a column (`_sort`,
  `_sort_desc`) or the primary key, never by rank. Datasette's documented way to rank is
  custom SQL ("Searches using custom SQL" in its full-text search docs), so the ranked
  page is `/<db>.json?sql=select ... from articles_fts join articles ... where
  articles_fts match :q ... order by articles_fts.rank ... limit 20` (with highlighted
  title and body snippet, as Newsdesk makes them), and the count and facets come from
  the table endpoint with the same `_search` and filters and `_size=0`.

Filters: `published_on__gte` / `published_on__lte` for the dates, `people__arraycontains`,
`organizations__arraycontains`, `countries__arraycontains` for one tag value,
`source__in` for sources. Newsdesk ORs repeated values of one filter; Datasette's
`__arraycontains` filters would AND them, so two or more values become one
`_where=exists (select 1 from json_each(<column>) where value in (...))`.

Where the two are NOT equivalent (what a reader of the benchmark's numbers must know):

1. Tokenizing and stemming. Newsdesk: PostgreSQL's default parser and the snowball
   (Porter2) English stemmer behind unaccent (`newsdesk_english`), English stop words
   dropped from the query and the index. Here: FTS5 `porter` over `unicode61` (diacritics
   removed, like unaccent), the original Porter stemmer, NO stop words: a bare `the` or
   `of` is required here and ignored there, and inside a phrase it must match exactly
   here where PostgreSQL only keeps its position. Tokens differ too: PostgreSQL keeps
   `u.s` and `pro-russian` whole (plus parts), unicode61 splits on every non-alphanumeric
   character. Counts for ordinary words agree closely, not exactly.
2. Query syntax. Newsdesk takes websearch_to_tsquery syntax; `websearch_to_fts5`
   translates it and the requests use `_searchmode=raw`: words -> AND of quoted terms,
   `"a phrase"` -> the FTS5 phrase `"a phrase"`, `OR` (any case) -> OR (binding looser than
   AND, as in PostgreSQL), `-word` / `-"a phrase"` -> `NOT` (binary in FTS5). A clause of
   exclusions only (`-foo`, `a OR -b`) has no FTS5 form: UntranslatableQuery is raised.
   Punctuation-only words are dropped, as PostgreSQL's parser drops them.
3. Name expansion. Newsdesk widens a query word naming a known entity to all its names
   (`Kyiv` also finds `Kiev`); the peer searches the words as typed.
4. Indexed text. Newsdesk's search vector also holds `photo_caption` (weight B); the FTS5
   index has title, subtitle and body only (the bench corpus has no captions).
5. Ranking. Newsdesk: ts_rank_cd (cover density) with weights title 1.0, subtitle 0.4,
   body 0.2, normalised by log(length), equal ranks newest first. Here: FTS5 bm25 with
   column weights 5 : 2 : 1 (the same ratios, stored as the table's `rank` setting), ties
   newest first. The matched sets agree (see 1); the order of the first page generally
   does not. Past 5,000 matches Newsdesk ranks only the newest 5,000 matches
   (RANK_CANDIDATES in articles/search.py); Datasette ranks them all.
6. Count. Newsdesk counts up to 10,000 (COUNT_CAP) and reports "10,000+" (`count` =
   10,001, `count_is_capped`); Datasette counts every match exactly.
7. Facets. Past the count cap Newsdesk counts facets over the newest 5,000 matches only
   (`facets_sampled`); Datasette always over every match. Datasette's array facet also
   de-duplicates `(value, whole row)` pairs (its SQL, not ours); on the `articles` table
   that drags every body through the sort, ~6x the time of the same facet on the
   `articles_without_body` view, which is therefore what the table requests ask for
   (`table="articles"` measures the wide table). Both count each article once per entity or
   country; ties at the tenth place may break differently (Newsdesk orders equal counts
   of people and organizations by entity id, Datasette by slug). Facet values are slugs
   and codes here, slugs/codes plus names in Newsdesk. An empty source is stored as NULL
   so that Datasette's `source` facet skips it as Newsdesk's does.
8. Countries. An article's countries are exactly those of Newsdesk's `country` filter and
   country facet (articles/querysets.py): the `country_code` of every place it mentions
   (not rejected), a city or region carrying its country's code (Stockholm -> SE), each
   code once. (The article page instead follows a place's `country` foreign key; the two
   agree on the bench corpus: no place's code differs from its country's.)
9. Order ties and paging. Without a text query both sort newest first; Newsdesk breaks
   equal dates by id descending, Datasette's `_sort_desc` leaves ties to SQLite (in
   practice the date index, walked backwards: id descending too). Only page 1 maps:
   Datasette pages by keyset (`_next`), Newsdesk by page number. `place` (a single place
   slug) has no column here and is refused.
10. Work and transport. Datasette answers over real HTTP on 127.0.0.1 (JSON encoding,
   socket, uvicorn) and runs facets in parallel on its SQL threads; the Django numbers in
   search_bench.py come from the test client (no socket). Newsdesk returns snippets and
   tags for each row; the ranked Datasette query returns a highlighted title and a body
   snippet and the rows' tag arrays. Datasette runs with `--immutable` (no file locking,
   as its docs advise for read-only data); the time limits are raised so that it never
   gives up on a count or facet (a time-out would make it look fast by doing less), and
   `get()` raises if one still times out.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

TABLE = "articles"
# What the table JSON endpoint is asked for by default: the table without its body.
# Datasette's array facet de-duplicates (value, whole row) pairs, so a 5 KB body in every
# row made each array facet ~6x slower ("sanctions" at 100k: 4.5 s against 0.8 s). A
# narrow view with `fts_table`/`fts_pk` metadata is Datasette's documented answer, and
# Newsdesk's facets never read bodies either. `table=TABLE` measures the wide table.
VIEW = "articles_without_body"
VIEW_COLUMNS = ("id", "title", "subtitle", "source", "published_on", "url")
VIEW_COLUMNS += ("people", "organizations", "countries")
FTS_COLUMNS = ("title", "subtitle", "body")
# ts_rank_cd's default weights for Newsdesk's A (title), B (subtitle), C (body): 1.0, 0.4,
# 0.2, i.e. 5 : 2 : 1, as bm25 column weights.
BM25_WEIGHTS = (5.0, 2.0, 1.0)
VISIBLE_STATES = ("suggested", "confirmed")  # articles.querysets.VISIBLE_STATES
PAGE_SIZE = 20  # Newsdesk's default page
MAX_PAGE_SIZE = 100
FACET_SIZE = 10  # articles.search.FACET_SIZE
SNIPPET_TOKENS = 35  # Newsdesk's ts_headline max_words
ARRAY_FACETS = {"person": "people", "organization": "organizations", "country": "countries"}
SUPPORTED_PARAMS = {"q", "person", "organization", "country", "source", "date_from", "date_to"}
SUPPORTED_PARAMS |= {"sort", "page", "page_size"}

# Settings for `datasette serve`: generous time limits, so that Datasette never drops a
# count or a facet (that would flatter it), two SQL threads for the machine's two cores.
DATASETTE_SETTINGS: dict[str, object] = {
    "sql_time_limit_ms": 120_000,
    "facet_time_limit_ms": 120_000,
    "max_returned_rows": 1_000,
    "num_sql_threads": 2,
    "default_facet_size": FACET_SIZE,
    "suggest_facets": "off",  # Newsdesk suggests nothing; suggestions cost queries
    "default_cache_ttl": 0,
    "cache_size_kb": 64_000,  # per connection; SQLite's default is 2 MB
}

# One row per article, tags aggregated in PostgreSQL. "The article's countries" as
# Newsdesk's country filter and facet count them: each visible place's own country_code.
EXPORT_SQL = f"""
COPY (
    SELECT a.id, a.title, a.subtitle, a.body, nullif(a.source, ''),
           to_char(a.published_on, 'YYYY-MM-DD'), a.url,
           coalesce((SELECT json_agg(DISTINCT e.slug ORDER BY e.slug)
                     FROM articles_personmention t
                     JOIN articles_person e ON e.id = t.entity_id
                     WHERE t.article_id = a.id AND t.state IN {VISIBLE_STATES!r}), '[]'),
           coalesce((SELECT json_agg(DISTINCT e.slug ORDER BY e.slug)
                     FROM articles_organizationmention t
                     JOIN articles_organization e ON e.id = t.entity_id
                     WHERE t.article_id = a.id AND t.state IN {VISIBLE_STATES!r}), '[]'),
           coalesce((SELECT json_agg(DISTINCT p.country_code ORDER BY p.country_code)
                     FROM articles_placemention t
                     JOIN articles_place p ON p.id = t.entity_id
                     WHERE t.article_id = a.id AND t.state IN {VISIBLE_STATES!r}
                       AND p.country_code <> ''), '[]')
    FROM articles_article a
    ORDER BY a.id
) TO STDOUT
"""
COLUMNS = (
    "id",
    "title",
    "subtitle",
    "body",
    "source",
    "published_on",
    "url",
    "people",
    "organizations",
    "countries",
)
COLUMN_TYPES = dict.fromkeys(COLUMNS, str) | {"id": int}
INSERT_BATCH = 500


# --- export ----------------------------------------------------------------------------


def export_corpus(pg_dsn: str, sqlite_path: Path, *, progress: bool = True) -> dict:
    """Copy the archive out of PostgreSQL into a fresh SQLite file with FTS5; figures.

    Streams one COPY (constant memory), builds `sqlite_path` under a temporary name and
    renames it into place at the end, so a rerun replaces the file whole and a failed run
    leaves no half-built one. Returns rows, seconds (total and per phase) and bytes.
    """
    import psycopg
    import sqlite_utils

    sqlite_path = Path(sqlite_path)
    partial = sqlite_path.with_name(sqlite_path.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    reporter = _Progress(enabled=progress)

    db = sqlite_utils.Database(partial)
    try:
        # A fresh file, renamed into place only when complete: no journal needed.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        table = db[TABLE]
        table.create(COLUMN_TYPES, pk="id", column_order=list(COLUMNS))
        with psycopg.connect(pg_dsn, autocommit=True) as pg:
            total = pg.execute("SELECT count(*) FROM articles_article").fetchone()[0]
            reporter.start("exporting", total)
            with pg.cursor() as cursor, cursor.copy(EXPORT_SQL) as copy:
                rows = _article_rows(copy.rows(), reporter)
                table.insert_all(rows, batch_size=INSERT_BATCH)
        exported = reporter.done
        copied = time.perf_counter()
        reporter.finish(f"exported {exported:,} articles in {copied - started:.1f} s")

        reporter.note("building the FTS5 index (porter) on title, subtitle, body")
        table.enable_fts(list(FTS_COLUMNS), fts_version="FTS5", tokenize="porter")
        fts = f"{TABLE}_fts"
        weights = ", ".join(f"{w:g}" for w in BM25_WEIGHTS)
        db.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('rank', 'bm25({weights})')")
        db.execute(f"INSERT INTO [{fts}] ([{fts}]) VALUES ('optimize')")  # one segment
        indexed = time.perf_counter()
        table.create_index(["published_on"])
        db.create_view(VIEW, f"select {', '.join(VIEW_COLUMNS)} from {TABLE}")
        db.analyze()
        db.execute("PRAGMA journal_mode = DELETE")
        finished = time.perf_counter()
    except BaseException:
        db.close()
        partial.unlink(missing_ok=True)
        raise
    db.close()
    os.replace(partial, sqlite_path)
    figures = {
        "rows": exported,
        "seconds": round(finished - started, 2),
        "copy_seconds": round(copied - started, 2),
        "fts_seconds": round(indexed - copied, 2),
        "index_seconds": round(finished - indexed, 2),
        "bytes": sqlite_path.stat().st_size,
        "path": str(sqlite_path),
    }
    return figures


def _article_rows(copy_rows, reporter: _Progress) -> Iterator[dict]:
    for row in copy_rows:
        record = dict(zip(COLUMNS, row, strict=True))
        record["id"] = int(record["id"])
        reporter.step()
        yield record


class _Progress:
    """A progress line on stderr: rewritten in place on a terminal, every 10 % otherwise."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.done = 0
        self.total = 0
        self.label = ""
        self.started = time.perf_counter()
        self.last = 0.0
        self.next_mark = 0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.started = self.last = time.perf_counter()
        self.next_mark = max(1, total // 10)

    def step(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        now = time.perf_counter()
        if (self.tty and now - self.last >= 0.5) or (not self.tty and self.done >= self.next_mark):
            self.last = now
            self.next_mark += max(1, self.total // 10)
            rate = self.done / max(now - self.started, 1e-9)
            line = f"{self.label}: {self.done:,} / {self.total:,} articles ({rate:,.0f}/s)"
            print(f"\r{line}" if self.tty else line, end="" if self.tty else "\n", file=sys.stderr)

    def note(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr)

    def finish(self, text: str) -> None:
        if self.enabled:
            print(("\r" if self.tty else "") + text + " " * 20, file=sys.stderr)


# --- query translation -------------------------------------------------------------------


class UntranslatableQuery(ValueError):
    """A web-search query with no FTS5 equivalent (e.g. exclusions only)."""


@dataclass(frozen=True)
class _Term:
    words: tuple[str, ...]
    negated: bool

    @property
    def fts(self) -> str:
        return '"' + " ".join(w.replace('"', '""') for w in self.words) + '"'


_OR = object()
_WORD_CHARS = re.compile(r"\w+")


def websearch_to_fts5(text: str) -> str:
    """websearch_to_tsquery syntax (Newsdesk's `q`) as an FTS5 MATCH expression.

    >>> websearch_to_fts5('sanctions "prime minister" -Iran')
    '"sanctions" AND "prime minister" NOT "Iran"'
    >>> websearch_to_fts5("Moscow or Kiev talks")
    '("Moscow") OR ("Kiev" AND "talks")'
    """
    tokens: list[object] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            chunk, i = text[i + 1 : end], end + 1
        else:
            match = re.compile(r'[^\s"]+').match(text, i)
            chunk, i = match.group(), match.end()
            if not negated and chunk.lower() == "or":
                tokens.append(_OR)
                continue
        words = tuple(_WORD_CHARS.findall(chunk.replace("_", " ")))
        if words:
            tokens.append(_Term(words, negated))
    groups: list[list[_Term]] = [[]]
    for token in tokens:
        if token is _OR:
            groups.append([])
        else:
            groups[-1].append(token)
    clauses = []
    for group in groups:
        if not group:
            continue  # OR at either end or doubled: PostgreSQL ignores it too
        positive = [t.fts for t in group if not t.negated]
        negative = [t.fts for t in group if t.negated]
        if not positive:
            raise UntranslatableQuery(
                f"{text!r}: a clause of exclusions only has no FTS5 form (NOT is binary)"
            )
        clause = " AND ".join(positive) + "".join(f" NOT {t}" for t in negative)
        clauses.append(clause)
    if not clauses:
        raise UntranslatableQuery(f"{text!r} has no word to search for")
    if len(clauses) == 1:
        return clauses[0]
    return " OR ".join(f"({c})" for c in clauses)


# --- Newsdesk request -> Datasette requests ----------------------------------------------


@dataclass(frozen=True)
class PeerRequest:
    path: str  # path and query string, relative to the server's root
    expected_status: int
    purpose: str  # "page+count+facets", "count+facets" or "ranked page"


def _values(params: Mapping, key: str) -> list[str]:
    value = params.get(key)
    if value is None:
        return []
    if hasattr(params, "getlist"):  # a Django QueryDict
        value = params.getlist(key)
    values = [value] if isinstance(value, str) else list(value)
    return [str(v).strip() for v in values if str(v).strip()]


def _single(params: Mapping, key: str) -> str:
    values = _values(params, key)
    return values[-1] if values else ""


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def peer_requests(
    params: Mapping, *, database: str = "newsdesk", table: str = VIEW
) -> list[PeerRequest]:
    """The Datasette JSON requests that answer Newsdesk's `/api/articles/?<params>`.

    `params` maps Newsdesk's parameter names to a string or a list of strings (a Django
    QueryDict works too). `database` is Datasette's name for the file (its stem);
    `table` the table or view asked for the count, facets and (unranked) page.
    Raises ValueError for what has no equivalent (see the module docstring).
    """
    unknown = set(params) - SUPPORTED_PARAMS
    if unknown:
        raise ValueError(f"no Datasette equivalent for parameter(s): {', '.join(sorted(unknown))}")
    if int(_single(params, "page") or 1) != 1:
        raise ValueError("only page 1 maps: Datasette pages by keyset (_next), not by number")
    size = int(_single(params, "page_size") or PAGE_SIZE)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
    text = _single(params, "q")
    match = websearch_to_fts5(text) if text else ""
    sort = _single(params, "sort") or ("relevance" if match else "newest")
    if sort == "relevance" and not match:
        sort = "newest"  # nothing to be relevant to (Newsdesk does the same)
    if sort not in ("relevance", "newest", "oldest"):
        raise ValueError(f"unknown sort {sort!r}")

    db, table_name = quote(database, safe=""), quote(table, safe="")
    ranked = sort == "relevance"
    table_args: list[tuple[str, str]] = []
    if match:
        table_args += [("_search", match), ("_searchmode", "raw")]
    where_sql: list[str] = []  # the same filters, for the ranked SQL
    sql_params: dict[str, str] = {}
    date_from, date_to = _single(params, "date_from"), _single(params, "date_to")
    if date_from:
        table_args.append(("published_on__gte", date_from))
        where_sql.append("a.published_on >= :date_from")
        sql_params["date_from"] = date_from
    if date_to:
        table_args.append(("published_on__lte", date_to))
        where_sql.append("a.published_on <= :date_to")
        sql_params["date_to"] = date_to
    for key, column in ARRAY_FACETS.items():
        values = _values(params, key)
        if key == "country":
            values = [v.upper() for v in values]
        if not values:
            continue
        if len(values) == 1:
            table_args.append((f"{column}__arraycontains", values[0]))
        else:  # OR within one filter, as Newsdesk: __arraycontains twice would AND
            literals = ", ".join(_sql_literal(v) for v in values)
            table_args.append(
                (
                    "_where",
                    f"exists (select 1 from json_each({column}) where value in ({literals}))",
                )
            )
        names = [f"{key}{i}" for i in range(len(values))]
        sql_params.update(zip(names, values, strict=True))
        placeholders = ", ".join(f":{name}" for name in names)
        where_sql.append(
            f"exists (select 1 from json_each(a.{column}) where value in ({placeholders}))"
        )
    sources = _values(params, "source")
    if sources:
        table_args.append(("source__in", json.dumps(sources)))
        names = [f"source{i}" for i in range(len(sources))]
        sql_params.update(zip(names, sources, strict=True))
        where_sql.append(f"a.source in ({', '.join(':' + n for n in names)})")

    if not ranked:
        table_args.append(("_sort_desc" if sort == "newest" else "_sort", "published_on"))
    table_args.append(("_size", "0" if ranked else str(size)))
    if table == TABLE:
        table_args.append(("_nocol", "body"))  # Newsdesk's API does not send bodies either
    table_args += [
        ("_facet_array", "people"),
        ("_facet_array", "organizations"),
        ("_facet_array", "countries"),
        ("_facet", "source"),
        ("_facet_size", str(FACET_SIZE)),
        ("_nosuggest", "1"),
        ("_shape", "objects"),
    ]
    counted = PeerRequest(
        f"/{db}/{table_name}.json?{urlencode(table_args)}",
        200,
        "count+facets" if ranked else "page+count+facets",
    )
    if not ranked:
        return [counted]
    sql = _ranked_sql(where_sql, size)
    query = urlencode([("sql", sql), ("q", match), *sql_params.items(), ("_shape", "objects")])
    return [PeerRequest(f"/{db}.json?{query}", 200, "ranked page"), counted]


def _ranked_sql(where: list[str], size: int) -> str:
    fts = f"{TABLE}_fts"
    conditions = "".join(f"\n  and {clause}" for clause in where)
    return (
        f"select a.id, a.title, a.published_on, a.source, a.url,"
        f" a.people, a.organizations, a.countries,\n"
        f"  highlight({fts}, 0, '<mark>', '</mark>') as title_marked,\n"
        f"  snippet({fts}, 2, '<mark>', '</mark>', ' … ', {SNIPPET_TOKENS}) as snippet\n"
        f"from {fts} join {TABLE} a on a.id = {fts}.rowid\n"
        f"where {fts} match :q{conditions}\n"
        f"order by {fts}.rank, a.published_on desc, a.id desc\n"
        f"limit {int(size)}"
    )


# --- the server ----------------------------------------------------------------------------


@dataclass
class PeerResult:
    """What Datasette answered for one Newsdesk request, merged from its responses."""

    ids: list[int]
    count: int | None
    facets: dict[str, list[tuple[str, int]]]
    ms: float  # wall time of all the requests, client side
    request_ms: list[float] = field(default_factory=list)
    facets_timed_out: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


class PeerError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class DatasettePeer:
    """`datasette serve <file> --immutable` on 127.0.0.1 in a subprocess, for a `with` block.

    Starts the server on a free port (or `port`), waits until it answers, and stops it
    (SIGTERM, then SIGKILL after 10 s) on exit. `settings` override DATASETTE_SETTINGS;
    `table` is what `get()` asks for counts and facets (the narrow view by default).
    """

    def __init__(
        self,
        sqlite_path: Path,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        settings: Mapping[str, object] | None = None,
        startup_timeout: float = 60.0,
        table: str = VIEW,
    ) -> None:
        self.sqlite_path = Path(sqlite_path).resolve()
        if not self.sqlite_path.is_file():
            raise FileNotFoundError(f"{self.sqlite_path} does not exist (run `export` first)")
        self.host = host
        self.port = port or free_port(host)
        self.settings = {**DATASETTE_SETTINGS, **(settings or {})}
        self.startup_timeout = startup_timeout
        self.table = table
        self.database = self.sqlite_path.stem
        self.process: subprocess.Popen | None = None
        self._workdir: Path | None = None  # metadata.json and the server's log
        self._conn: http.client.HTTPConnection | None = None
        self._port_given = port is not None
        self.startup_seconds = 0.0

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def metadata(self) -> dict:
        return {
            "title": "Newsdesk archive (Datasette peer)",
            "databases": {
                self.database: {
                    "tables": {
                        TABLE: {"sort_desc": "published_on", "size": PAGE_SIZE},
                        VIEW: {
                            "sort_desc": "published_on",
                            "size": PAGE_SIZE,
                            "fts_table": f"{TABLE}_fts",
                            "fts_pk": "id",
                        },
                    }
                }
            },
        }

    def command(self, metadata_path: Path) -> list[str]:
        cmd = [sys.executable, "-m", "datasette", "serve", "--immutable", str(self.sqlite_path)]
        cmd += ["--host", self.host, "--port", str(self.port), "--metadata", str(metadata_path)]
        for name, value in self.settings.items():
            cmd += ["--setting", name, str(value)]
        return cmd

    def __enter__(self) -> DatasettePeer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server and wait for it; a taken (picked) port gets one more try."""
        started = time.perf_counter()
        self._workdir = Path(tempfile.mkdtemp(prefix="datasette-peer-"))
        metadata_path = self._workdir / "metadata.json"
        metadata_path.write_text(json.dumps(self.metadata(), indent=2))
        for attempt in (1, 2):
            try:
                self._launch(metadata_path)
                break
            except PeerError:
                if self._port_given or attempt == 2 or "address already in use" not in self.log():
                    self.stop()
                    raise
                self.port = free_port(self.host)
        self.startup_seconds = time.perf_counter() - started

    def _launch(self, metadata_path: Path) -> None:
        with (self._workdir / "datasette.log").open("w") as log:
            self.process = subprocess.Popen(
                self.command(metadata_path),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PeerError(f"datasette exited ({self.process.returncode}):\n{self.log()}")
            try:
                status, _ = self._fetch("/-/versions.json")
                if status == 200:
                    return
            except OSError:
                self._close_connection()
            time.sleep(0.1)
        raise PeerError(f"datasette did not answer in {self.startup_timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        self._close_connection()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def log(self) -> str:
        """The end of the server's output (for error messages)."""
        path = self._workdir / "datasette.log" if self._workdir else None
        return path.read_text(errors="replace")[-4000:] if path and path.exists() else ""

    def _close_connection(self) -> None:
        if self._conn:
            self._conn.close()
            self._conn = None

    def _fetch(self, path: str) -> tuple[int, bytes]:
        """GET on one kept-alive connection (reopened once if the server dropped it)."""
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
            try:
                self._conn.request("GET", path)
                response = self._conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._close_connection()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def requests(self, params: Mapping) -> list[tuple[str, int]]:
        """The absolute URLs `get(params)` fetches, each with the status it expects."""
        return [
            (self.base_url + r.path, r.expected_status)
            for r in peer_requests(params, database=self.database, table=self.table)
        ]

    def get(self, params: Mapping) -> PeerResult:
        """Ask Datasette what Newsdesk's API answers for `params`; merged, timed."""
        plan = peer_requests(params, database=self.database, table=self.table)
        payloads, timings = [], []
        started = time.perf_counter()
        for request in plan:
            t0 = time.perf_counter()
            status, body = self._fetch(request.path)
            timings.append((time.perf_counter() - t0) * 1000)
            if status != request.expected_status:
                raise PeerError(f"{status} for {request.path}: {body[:500]!r}")
            payloads.append(json.loads(body))
        ms = (time.perf_counter() - started) * 1000
        table = payloads[-1]
        page = payloads[0] if len(payloads) == 2 else table
        timed_out = list(table.get("facets_timed_out") or [])
        if timed_out or table.get("filtered_table_rows_count") is None:
            raise PeerError(
                f"Datasette gave up (facets timed out: {timed_out}, "
                f"count: {table.get('filtered_table_rows_count')}): raise the time limits"
            )
        facet_results = table.get("facet_results") or {}
        facets = {
            name: [
                (item["value"], item["count"])
                for item in (facet_results.get(column) or {}).get("results", [])
            ]
            for name, column in (
                ("people", "people"),
                ("organizations", "organizations"),
                ("countries", "countries"),
                ("sources", "source"),
            )
        }
        rows = page["rows"]
        return PeerResult(
            ids=[row["id"] for row in rows],
            count=table["filtered_table_rows_count"],
            facets=facets,
            ms=ms,
            request_ms=timings,
            facets_timed_out=timed_out,
            rows=rows,
        )


# --- CLI ---------------------------------------------------------------------------------


def _most_common(sqlite_path: Path, column: str) -> str | None:
    import sqlite3

    with sqlite3.connect(f"file:{sqlite_path}?immutable=1", uri=True) as conn:
        row = conn.execute(
            f"select j.value, count(*) from {TABLE}, json_each({TABLE}.{column}) j "
            "group by j.value order by count(*) desc limit 1"
        ).fetchone()
        return row[0] if row else None


def default_mix(sqlite_path: Path) -> list[tuple[str, dict]]:
    """search_bench.py's query mix, its entities and dates read from the SQLite file."""
    import sqlite3
    from datetime import date

    with sqlite3.connect(f"file:{sqlite_path}?immutable=1", uri=True) as conn:
        first, last = conn.execute(
            f"select min(published_on), max(published_on) from {TABLE}"
        ).fetchone()
    middle = date.fromisoformat(first) + (date.fromisoformat(last) - date.fromisoformat(first)) / 2
    mix = [
        ("one word", {"q": "sanctions"}),
        ("phrase", {"q": '"prime minister"'}),
        ("common word", {"q": "said"}),
        ("date range alone", {"date_from": str(middle), "date_to": last}),
    ]
    if country := _most_common(sqlite_path, "countries"):
        mix.append(("words + country", {"q": "election president", "country": country}))
    if person := _most_common(sqlite_path, "people"):
        mix.append(("person alone", {"person": person}))
    return mix


def _cmd_export(args) -> None:
    dsn = args.dsn or os.environ.get("DATABASE_URL")
    if not dsn:
        raise SystemExit("export: give --dsn or set DATABASE_URL")
    figures = export_corpus(dsn, Path(args.out), progress=not args.no_progress)
    print(
        f"Exported {figures['rows']:,} articles to {figures['path']} "
        f"({figures['bytes'] / 2**20:,.0f} MB) in {figures['seconds']:.1f} s "
        f"(copy {figures['copy_seconds']:.1f} s, FTS5 {figures['fts_seconds']:.1f} s, "
        f"indexes {figures['index_seconds']:.1f} s)."
    )


def _cmd_serve(args) -> None:
    started = time.perf_counter()
    # SIGTERM stops the server like Ctrl-C does, rather than leaving Datasette orphaned.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with DatasettePeer(Path(args.file), port=args.port) as peer:
        print(f"Datasette serving {peer.sqlite_path} at {peer.base_url}/ (Ctrl-C stops it)")
        [(example, _)] = peer.requests({"q": "sanctions", "sort": "newest"})
        print(f"  e.g. {example.replace('.json?', '?', 1)}")
        try:
            while peer.process and peer.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    print(f"Served {args.file} at {peer.base_url} for {time.perf_counter() - started:.0f} s.")


def _cmd_bench(args) -> None:
    path = Path(args.file)
    mix = [(f"q={q}", {"q": q}) for q in args.q] if args.q else default_mix(path)
    worst = 0.0
    with DatasettePeer(path, table=args.table) as peer:
        print(f"Datasette on {path.name} ({args.table}): started in {peer.startup_seconds:.1f} s")
        header = f"{'query':<18} {'count':>8} {'p50 ms':>8} {'max ms':>8}  per request p50 ms"
        print(header)
        print("-" * len(header))
        for label, params in mix:
            result = peer.get(params)  # warm-up
            samples = [peer.get(params) for _ in range(args.repeat)]
            walls = sorted(s.ms for s in samples)
            p50 = statistics.median(walls)
            per_request = " + ".join(
                f"{statistics.median(s.request_ms[i] for s in samples):.0f}"
                for i in range(len(result.request_ms))
            )
            worst = max(worst, walls[-1])
            print(f"{label:<18} {result.count:>8,} {p50:8.1f} {walls[-1]:8.1f}  {per_request}")
    print(f"Done: {len(mix)} queries x {args.repeat} runs, worst {worst:.1f} ms through Datasette.")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="PostgreSQL archive -> SQLite + FTS5")
    export.add_argument("--dsn", help="PostgreSQL URL (default: $DATABASE_URL)")
    export.add_argument("--out", required=True, help="the SQLite file to (re)build")
    export.add_argument("--no-progress", action="store_true")
    export.set_defaults(run=_cmd_export)
    serve = commands.add_parser("serve", help="serve an exported file until Ctrl-C")
    serve.add_argument("file")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_cmd_serve)
    bench = commands.add_parser("bench", help="time search_bench's query mix on Datasette")
    bench.add_argument("file")
    bench.add_argument("--repeat", type=int, default=5)
    bench.add_argument("--q", action="append", help="time these queries instead (repeatable)")
    bench.add_argument("--table", default=VIEW, help=f"{VIEW} (default) or {TABLE}")
    bench.set_defaults(run=_cmd_bench)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
