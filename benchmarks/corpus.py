"""A reproducible benchmark corpus: real headlines, real sentences, realistic tags.

    manage.py build_bench_corpus --articles 100000 [--seed 42] [--replace]

Rows are generated in pure Python (`generate`), then loaded with PostgreSQL's COPY
(`load`). Titles, dates and URLs come from the Reuters headline sample, streamed; bodies
are assembled from sentences of the 2016-2017 news articles, each body as many sentences
long as a real article drawn at random; people, organizations and places are drawn from
the tagging gazetteer with a Zipf skew (a few in many articles, most in few), and their
names are written into the bodies so that the text and the tags agree.

The same seed and size give the same corpus. Keys are "bench:" + URL, so a benchmark
corpus never collides with real imports and `--replace` can remove exactly it.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import hashlib
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from itertools import accumulate
from pathlib import Path
from urllib.parse import urlsplit

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
HEADLINES_FILE = "reuters-headlines-2007-2016-sample.tsv.gz"
ARTICLES_FILE = "news-articles-2016-2017.csv"
HEADLINE_ROWS = 1_069_442  # rows in the sample (README); sets the stride, not a limit

KEY_PREFIX = "bench:"
CHUNK = 5_000  # articles per COPY round (articles, then their mentions)

# Mentions per article: means of the real tagger's output on the 2016-2017 articles,
# rounded (places ~5, people ~3, organizations ~2).
MEAN_MENTIONS = {"place": 5, "person": 3, "organization": 2}
ZIPF_EXPONENT = 1.0
MAX_CITIES = 1_500  # places in the pool: named in the real articles, then most populous

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z])")
_LOST_QUOTE = re.compile(r'"\?')

PREFIXES = {
    "place": ("In {name}, ", "Officials in {name} said that "),
    "person": ("According to {name}, ", "{name} said that "),
    "organization": ("According to {name}, ", "A statement from {name} said that "),
}


# --- reading the shared corpus --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Headline:
    published_on: date
    published_time: clock | None
    title: str
    url: str


def iter_headlines(path: Path, count: int, *, rows: int = HEADLINE_ROWS) -> Iterator[Headline]:
    """`count` headlines spread evenly over the file's years, streamed.

    The first pass takes every k-th row (k = rows // count), so a small corpus still
    spans 2007-2016; if rows without a title leave it short, a second pass takes rows
    from in between. Never more than two passes over the file.
    """
    stride = max(1, rows // max(count, 1))
    produced = 0
    for first_pass in (True, False):
        if not first_pass and stride == 1:
            return
        with gzip.open(path, "rt", encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(reader, None)  # header
            for index, row in enumerate(reader):
                if (index % stride == 0) != first_pass or len(row) < 3:
                    continue
                headline = _headline(row)
                if headline is None:
                    continue
                yield headline
                produced += 1
                if produced >= count:
                    return


def _headline(row: list[str]) -> Headline | None:
    published, title, url = row[0].strip(), row[1].strip(), row[2].strip()
    if not title or not url:
        return None
    try:
        if "T" in published:
            moment = datetime.fromisoformat(published)
            return Headline(moment.date(), moment.time(), title[:1000], url[:2000])
        return Headline(date.fromisoformat(published), None, title[:1000], url[:2000])
    except ValueError:
        return None


@dataclass
class SentencePool:
    sentences: list[str]
    lengths: list[int]  # sentences per real article: the distribution bodies follow


def read_sentences(path: Path) -> SentencePool:
    """Every sentence of the real articles, and how many sentences each article has."""
    sentences: list[str] = []
    lengths: list[int] = []
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            text = _LOST_QUOTE.sub('"', (row.get("text") or "").strip())
            if not text:
                continue
            parts = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
            sentences.extend(parts)
            lengths.append(len(parts))
    return SentencePool(sentences, lengths)


# --- entities ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchEntity:
    key: str
    kind: str  # "person", "organization" or "place"
    name: str
    place_kind: str = ""
    country_code: str = ""
    role: str = ""
    org_kind: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class EntityPool:
    """Entities of one kind, most prominent first, drawn with Zipf weights."""

    kind: str
    entities: list[BenchEntity]
    cum_weights: list[float] = field(init=False)

    def __post_init__(self) -> None:
        weights = [1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(self.entities))]
        self.cum_weights = list(accumulate(weights))

    def draw(self, rng: random.Random, k: int) -> list[BenchEntity]:
        """`k` distinct entities (fewer if the pool is smaller)."""
        k = min(k, len(self.entities))
        total, chosen = self.cum_weights[-1], {}
        while len(chosen) < k:
            index = bisect.bisect(self.cum_weights, rng.random() * total)
            entity = self.entities[min(index, len(self.entities) - 1)]
            chosen[entity.key] = entity
        return list(chosen.values())


def real_frequencies(gazetteer, path: Path) -> Counter:
    """How often the real articles name each gazetteer entity (a raw automaton scan)."""
    from articles.tagging.gazetteer import fold

    with path.open(encoding="utf-8", newline="") as stream:
        text = "\n".join(row.get("text") or "" for row in csv.DictReader(stream))
    return Counter(m.alias.entity.key for m in gazetteer.scan(fold(text)) if m.alias.entity)


def entity_pools(gazetteer, rng: random.Random, frequencies: Counter) -> dict[str, EntityPool]:
    """A sample of the gazetteer, ranked: which entities will be common and which rare.

    Each kind is ranked by how often the real articles name it (so the United States and
    Donald Trump lead, as they did in 2016-2017 news), entities they never name after
    them in seeded random order. Places: countries, regions and the most populous cities.
    """
    by_kind: dict[str, list] = {"person": [], "organization": [], "place": []}
    for entry in sorted(gazetteer.entities.values(), key=lambda e: e.key):
        if entry.kind not in by_kind:
            continue
        if entry.place_kind == "city" and entry.key not in frequencies:
            continue  # cities the real articles never name: a sample below
        by_kind[entry.kind].append(entry)
    unnamed_cities = sorted(
        (
            e
            for e in gazetteer.entities.values()
            if e.place_kind == "city" and e.key not in frequencies
        ),
        key=lambda e: (-e.population, e.key),
    )
    by_kind["place"] += unnamed_cities[: max(0, MAX_CITIES - len(by_kind["place"]))]
    pools = {}
    for kind, entries in by_kind.items():
        rng.shuffle(entries)  # the order among equals
        entries.sort(key=lambda e: -frequencies.get(e.key, 0))
        pools[kind] = EntityPool(kind, [_bench_entity(e) for e in entries])
    return pools


def _bench_entity(entry) -> BenchEntity:
    return BenchEntity(
        key=entry.key,
        kind=entry.kind,
        name=entry.name,
        place_kind=entry.place_kind,
        country_code=entry.country_code,
        role=entry.role,
        org_kind=entry.org_kind,
        aliases=tuple(entry.aliases),
    )


# --- generating articles ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BenchMention:
    kind: str
    key: str
    count: int
    offsets: list[int]
    evidence: str
    surface: str


@dataclass(frozen=True, slots=True)
class BenchArticle:
    key: str
    url: str
    title: str
    source: str
    source_domain: str
    published_on: date
    published_time: clock | None
    blocks: list[dict]
    body: str
    content_hash: str
    mentions: list[BenchMention]


def generate(
    headlines: Iterator[Headline],
    pool: SentencePool,
    entities: dict[str, EntityPool],
    rng: random.Random,
    *,
    source_name: Callable[[str], str],
) -> Iterator[BenchArticle]:
    """One article per headline; a URL seen before gets a numbered key of its own."""
    seen: dict[str, int] = {}
    for headline in headlines:
        n = seen.get(headline.url, 0)
        seen[headline.url] = n + 1
        key = f"{KEY_PREFIX}{headline.url}" + (f"#{n + 1}" if n else "")
        yield _article(key, headline, pool, entities, rng, source_name)


def _article(key, headline, pool, entities, rng, source_name) -> BenchArticle:
    sentences = [rng.choice(pool.sentences) for _ in range(rng.choice(pool.lengths))]
    tagged: list[tuple[BenchEntity, int]] = []
    prefixed: set[int] = set()  # sentences that already begin with a name: keep its case
    for kind, pool_of_kind in entities.items():
        k = max(0, round(rng.gauss(MEAN_MENTIONS[kind], MEAN_MENTIONS[kind] / 2)))
        for entity in pool_of_kind.draw(rng, k):
            times = rng.choice((1, 1, 1, 2, 2, 3, 4))
            tagged.append((entity, times))
            for _ in range(times):  # the name goes into the text as often as it is tagged
                index = rng.randrange(len(sentences))
                prefix = rng.choice(PREFIXES[kind]).format(name=entity.name)
                sentence = sentences[index]
                if index not in prefixed:
                    sentence = sentence[:1].lower() + sentence[1:]
                sentences[index] = prefix + sentence
                prefixed.add(index)
    paragraphs, i = [], 0
    while i < len(sentences):
        size = rng.choice((1, 2, 2, 3, 3, 4))
        paragraphs.append(" ".join(sentences[i : i + size]))
        i += size
    body = "\n\n".join(paragraphs)
    mentions = [_mention(entity, times, body) for entity, times in tagged]
    domain = (urlsplit(headline.url).hostname or "").removeprefix("www.")
    return BenchArticle(
        key=key,
        url=headline.url,
        title=headline.title,
        source=source_name(headline.url),
        source_domain=domain,
        published_on=headline.published_on,
        published_time=headline.published_time,
        blocks=[{"kind": "paragraph", "text": p} for p in paragraphs],
        body=body,
        content_hash=hashlib.sha256(f"{headline.title}\n{body}".encode()).hexdigest(),
        mentions=mentions,
    )


def _mention(entity: BenchEntity, times: int, body: str) -> BenchMention:
    offsets, start = [], body.find(entity.name)
    while start >= 0 and len(offsets) < times:
        offsets.append(start)
        start = body.find(entity.name, start + len(entity.name))
    first = offsets[0] if offsets else 0
    stop = body.rfind(". ", 0, first)
    left = max(stop + 2 if stop >= 0 else 0, body.rfind("\n", 0, first) + 1)
    right = body.find(". ", first)
    evidence = body[left : right + 1 if right >= 0 else len(body)][:500]
    return BenchMention(entity.kind, entity.key, times, offsets, evidence, entity.name)


# --- loading ---------------------------------------------------------------------------

ARTICLE_COLUMNS = (
    "id, key, url, title, subtitle, byline, authors, agency, source, source_domain, "
    "published_on, published_time, dateline, blocks, body, photo_caption, photo_credit, "
    "related, language, external_id, content_hash, imported_at, updated_at"
)
MENTION_COLUMNS = (
    "article_id, entity_id, count, offsets, evidence, surface_forms, role, confidence, "
    "origin, state, created_at"
)
MENTION_TABLES = {
    "person": "articles_personmention",
    "organization": "articles_organizationmention",
    "place": "articles_placemention",
}
DROPPED_INDEXES = ("article_search_idx", "article_newest_idx")
# The triggers that keep each article's facet row (migration 0007). Inside the build's
# one transaction the planner never sees fresh statistics, so each COPY round's refresh
# scanned whole indexes and the rounds slowed down as the tables grew (13 s a round at
# 15,000 articles). They are off while the rows go in; one refresh follows the load.
FACET_TRIGGERS = {
    "articles_article": "articles_article_facets_insert",
    **{table: f"{table}_facets_insert" for table in MENTION_TABLES.values()},
}


@dataclass
class BuildReport:
    articles: int = 0
    mentions: int = 0
    new_entities: int = 0
    deleted: int = 0
    seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        mb = {name: size / 2**20 for name, size in self.sizes.items()}
        return (
            f"Built {self.articles:,} articles and {self.mentions:,} mentions "
            f"({self.new_entities:,} new entities) in {self.seconds:.1f} s "
            f"({self.rate:,.0f} articles/s); database {mb['database']:,.0f} MB, "
            f"articles table {mb['article_table']:,.0f} MB + indexes "
            f"{mb['article_indexes']:,.0f} MB (GIN {mb['article_search_idx']:,.0f} MB), "
            f"mentions {mb['mentions']:,.0f} MB with indexes"
        )


def delete_bench_rows(cursor) -> int:
    """Remove an earlier benchmark corpus (keys "bench:..."), its mentions first."""
    ids = "SELECT id FROM articles_article WHERE key LIKE 'bench:%'"
    for table in MENTION_TABLES.values():
        cursor.execute(f"DELETE FROM {table} WHERE article_id IN ({ids})")
    cursor.execute("DELETE FROM articles_article WHERE key LIKE 'bench:%'")
    return cursor.rowcount


def ensure_entities(pools: dict[str, EntityPool]) -> tuple[dict[str, int], int]:
    """Entity rows for the pools (found by gazetteer key, else created); key -> id."""
    from articles.models import Organization, Person, Place

    models = {"place": Place, "person": Person, "organization": Organization}
    ids: dict[str, int] = {}
    created = 0
    # Countries first: cities, people and organizations point at them.
    ordered = sorted(
        [e for pool in pools.values() for e in pool.entities],
        key=lambda e: (e.place_kind != "country", e.kind, e.key),
    )
    for kind in ("place", "person", "organization"):
        model = models[kind]
        wanted = [e for e in ordered if e.kind == kind]
        found = dict(
            model.objects.filter(gazetteer_key__in=[e.key for e in wanted]).values_list(
                "gazetteer_key", "pk"
            )
        )
        ids.update(found)
        slugs = set(model.objects.values_list("slug", flat=True))
        for phase in ("country", "rest") if kind == "place" else ("rest",):
            batch = []
            for entity in wanted:
                if entity.key in ids or (phase == "country") != (entity.place_kind == "country"):
                    continue
                row = model(
                    name=entity.name[:300],
                    slug=_free_slug(model, entity.name, slugs),
                    gazetteer_key=entity.key,
                    aliases=[a[:300] for a in entity.aliases if a != entity.name][:50],
                    **_entity_fields(kind, entity, ids),
                )
                batch.append(row)
            for row in model.objects.bulk_create(batch, batch_size=1000):
                ids[row.gazetteer_key] = row.pk
            created += len(batch)
    return ids, created


def _entity_fields(kind: str, entity: BenchEntity, ids: dict[str, int]) -> dict:
    country_id = ids.get(f"country:{entity.country_code}") if entity.country_code else None
    if kind == "place":
        return {
            "kind": entity.place_kind or "other",
            "country_code": entity.country_code,
            "country_id": None if entity.place_kind == "country" else country_id,
        }
    if kind == "person":
        return {"role": entity.role[:300], "country_id": country_id}
    return {"kind": entity.org_kind[:100], "country_id": country_id}


def _free_slug(model, name: str, taken: set[str]) -> str:
    from django.utils.text import slugify

    base = slugify(name)[:280] or model.__name__.lower()
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def load(
    articles: Iterator[BenchArticle],
    count: int,
    entity_ids: dict[str, int],
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """COPY the articles and their mentions in; returns (articles, mentions).

    Call inside a transaction with the search and date indexes dropped: every row then
    costs its heap insert, its unique-key index entry and its generated tsvector only.
    Ids are reserved from the sequence up front so mentions can point at them.
    """
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own cursor: it has .copy()
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('articles_article', 'id'), "
            "nextval(pg_get_serial_sequence('articles_article', 'id')) + %s - 1)",
            [max(count, 1)],
        )
        next_id = cursor.fetchone()[0] - max(count, 1) + 1
        loaded = mentions = 0
        chunk: list[BenchArticle] = []
        for article in articles:
            chunk.append(article)
            if len(chunk) >= CHUNK:
                mentions += _copy_chunk(cursor, chunk, next_id, entity_ids, now)
                next_id, loaded = next_id + len(chunk), loaded + len(chunk)
                if on_chunk:
                    on_chunk(len(chunk))
                chunk = []
        if chunk:
            mentions += _copy_chunk(cursor, chunk, next_id, entity_ids, now)
            loaded += len(chunk)
            if on_chunk:
                on_chunk(len(chunk))
    return loaded, mentions


def _copy_chunk(cursor, chunk, first_id, entity_ids, now) -> int:
    by_table: dict[str, list[tuple]] = {table: [] for table in MENTION_TABLES.values()}
    with cursor.copy(f"COPY articles_article ({ARTICLE_COLUMNS}) FROM STDIN") as copy:
        for offset, a in enumerate(chunk):
            article_id = first_id + offset
            copy.write_row(
                (
                    article_id,
                    a.key,
                    a.url,
                    a.title,
                    "",
                    "",
                    [],
                    "Reuters",
                    a.source,
                    a.source_domain,
                    a.published_on,
                    a.published_time,
                    "",
                    json.dumps(a.blocks),
                    a.body,
                    "",
                    "",
                    "[]",
                    "en",
                    "",
                    a.content_hash,
                    now,
                    now,
                )
            )
            for m in a.mentions:
                by_table[MENTION_TABLES[m.kind]].append(
                    (
                        article_id,
                        entity_ids[m.key],
                        m.count,
                        m.offsets,
                        m.evidence,
                        [m.surface],
                        "",
                        0.9,
                        "gazetteer",
                        "suggested",
                        now,
                    )
                )
    written = 0
    for table, rows in by_table.items():
        with cursor.copy(f"COPY {table} ({MENTION_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        written += len(rows)
    return written


def drop_indexes(cursor) -> None:
    for name in DROPPED_INDEXES:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")


def set_facet_triggers(cursor, *, enabled: bool) -> None:
    # ALTER TABLE refuses while foreign-key checks are queued (a --replace's deletes
    # queue them): run them now, then defer again as Django declares its foreign keys.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    action = "ENABLE" if enabled else "DISABLE"
    for table, trigger in FACET_TRIGGERS.items():
        cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")


def refresh_missing_facets(cursor) -> None:
    """Facet rows for the articles loaded while the facet triggers were off."""
    for table in ("articles_article", *MENTION_TABLES.values()):
        cursor.execute(f"ANALYZE {table}")  # plans for the refresh that know the sizes
    cursor.execute(
        "SELECT articles_refresh_facets(ARRAY("
        "  SELECT a.id FROM articles_article a WHERE NOT EXISTS ("
        "    SELECT FROM articles_articlefacets f WHERE f.article_id = a.id)))"
    )


def create_indexes() -> None:
    """The dropped indexes, exactly as the model declares them."""
    from django.db import connection

    from articles.models import Article

    with connection.schema_editor(atomic=False) as editor:
        for index in Article._meta.indexes:
            if index.name in DROPPED_INDEXES:
                editor.add_index(Article, index)


def sizes(cursor) -> dict[str, int]:
    cursor.execute(
        """
        SELECT pg_database_size(current_database()),
               pg_table_size('articles_article'),
               pg_indexes_size('articles_article'),
               pg_relation_size('article_search_idx'),
               pg_total_relation_size('articles_personmention')
                 + pg_total_relation_size('articles_organizationmention')
                 + pg_total_relation_size('articles_placemention')
        """
    )
    names = ("database", "article_table", "article_indexes", "article_search_idx", "mentions")
    return dict(zip(names, cursor.fetchone(), strict=True))


def build(
    count: int,
    *,
    seed: int = 42,
    replace: bool = False,
    shared: Path = SHARED_CORPUS,
    on_chunk: Callable[[int], None] | None = None,
) -> BuildReport:
    """Generate `count` articles from `shared` with `seed` and load them, all or nothing."""
    from django.db import connection, transaction

    from articles.importing.sources import source_name
    from articles.models import MentionCount
    from articles.tagging import default_gazetteer

    report = BuildReport()
    started = time.monotonic()
    rng = random.Random(seed)
    pool = read_sentences(shared / ARTICLES_FILE)
    gazetteer = default_gazetteer()
    pools = entity_pools(gazetteer, rng, real_frequencies(gazetteer, shared / ARTICLES_FILE))
    with transaction.atomic(), connection.cursor() as cursor:
        if replace:
            report.deleted = delete_bench_rows(cursor)
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        entity_ids, report.new_entities = ensure_entities(pools)
        drop_indexes(cursor)
        set_facet_triggers(cursor, enabled=False)
        articles = generate(
            iter_headlines(shared / HEADLINES_FILE, count),
            pool,
            pools,
            rng,
            source_name=source_name,
        )
        report.articles, report.mentions = load(articles, count, entity_ids, on_chunk=on_chunk)
        # Django's foreign keys are deferred; PostgreSQL will not build an index on a
        # table with checks still queued, so run them now (they would run at commit).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        create_indexes()
        set_facet_triggers(cursor, enabled=True)
        refresh_missing_facets(cursor)
        # Each COPY round journaled its tags' counts; fold them to a row per entity.
        MentionCount.objects.compact()
    with connection.cursor() as cursor:
        # VACUUM as well: it sets the visibility map (index-only scans) and clears what
        # --replace deleted, so the benchmark measures a settled table.
        tables = ("articles_article", *MENTION_TABLES.values())
        others = (
            "articles_articlefacets",
            "articles_mentioncount",
            "articles_person",
            "articles_organization",
        )
        for table in (*tables, *others, "articles_place"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        report.seconds = time.monotonic() - started
        report.sizes = sizes(cursor)
    return report


def bench_rows(cursor) -> int:
    cursor.execute("SELECT count(*) FROM articles_article WHERE key LIKE 'bench:%'")
    return cursor.fetchone()[0]
