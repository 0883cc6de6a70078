"""Finding entities by name: aliases, accents folded, and trigram similarity (pg_trgm).

"zelensky" finds Volodymyr Zelenskiy through an alias, "kyiv" finds Kiev, and "lavrof"
finds Sergei Lavrov because its trigrams are close enough to "lavrov".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.lookups import Unaccent
from django.contrib.postgres.search import SearchQuery
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Greatest, Lower

from articles.models import ENTITY_MODELS, Place
from articles.query_syntax import describe_query, to_text
from articles.querysets import SEARCH_CONFIG, VISIBLE_STATES, web_query

# word_similarity() at or above this counts as a match: it lets one wrong letter in a
# six-letter surname through ("lavrof") but not unrelated names.
SIMILARITY_THRESHOLD = 0.5
MAX_NAME_LENGTH = 100

MODELS = ENTITY_MODELS


@dataclass(frozen=True)
class EntityMatch:
    kind: str
    name: str
    slug: str
    url: str
    score: float
    country_code: str = ""
    is_country: bool = False


def _folded(expression):
    return Unaccent(Lower(expression))


def _all_names():
    """The name and aliases as one string, " Kiev Kyiv": " " + a word finds a word start."""
    aliases = Func(F("aliases"), Value(" "), function="array_to_string", output_field=TextField())
    return Concat(Value(" "), F("name"), Value(" "), aliases, output_field=TextField())


def with_name_score(queryset: QuerySet, text: str) -> QuerySet:
    """Annotate `score`: 1 where a word of the name or an alias starts with `text`,
    else the trigram word similarity of `text` to the names; accents folded either way."""
    names = _folded(_all_names())
    return queryset.annotate(
        word_start=Func(
            names, _folded(Value(" " + text)), function="strpos", output_field=IntegerField()
        ),
        similarity=Func(
            _folded(Value(text)), names, function="word_similarity", output_field=FloatField()
        ),
        prefix=Case(
            When(word_start__gt=0, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        ),
        score=Greatest(F("prefix"), F("similarity")),
    )


def filter_by_name(queryset: QuerySet, text: str) -> QuerySet:
    text = text.replace("\x00", "").strip()[:MAX_NAME_LENGTH]
    return with_name_score(queryset, text).filter(
        Q(word_start__gt=0) | Q(similarity__gte=SIMILARITY_THRESHOLD)
    )


def search_entities(
    text: str, *, kinds: tuple[str, ...] = tuple(MODELS), limit: int = 10
) -> list[EntityMatch]:
    """The best-matching entities of `kinds` for a name, best first (one query per kind)."""
    text = text.replace("\x00", "").strip()[:MAX_NAME_LENGTH]
    if not text:
        return []
    matches: list[EntityMatch] = []
    for kind in kinds:
        found = filter_by_name(MODELS[kind].objects.with_article_counts(), text).order_by(
            "-score", "-article_count", "name"
        )[:limit]
        matches.extend(
            EntityMatch(
                kind=kind,
                name=entity.name,
                slug=entity.slug,
                url=entity.get_absolute_url(),
                # Among equally good names, the one with more articles is likelier meant.
                score=entity.score + min(entity.article_count, 1000) / 100_000,
                country_code=getattr(entity, "country_code", ""),
                is_country=getattr(entity, "kind", "") == Place.Kind.COUNTRY,
            )
            for entity in found
        )
    matches.sort(key=lambda match: -match.score)
    return matches[:limit]


def best_match(text: str, *, kinds: tuple[str, ...]) -> EntityMatch | None:
    matches = search_entities(text, kinds=kinds, limit=1)
    return matches[0] if matches else None


# The "appears most with" panel counts within an entity's latest tagged articles: all
# of them for most entities; for a president in 40% of the archive, the latest
# CO_MENTION_ARTICLES (aggregating all 40,000 of his articles took 0.8 s a page view).
CO_MENTION_ARTICLES = 2_000


def co_mentioned(entity, *, limit: int = 10, within: int = CO_MENTION_ARTICLES) -> list[dict]:
    """Who and what appears most often in the same articles as `entity`, with counts,
    among the latest `within` articles tagged with it (read from the visible-tags index).
    """
    own_articles = (
        entity.mentions.filter(state__in=VISIBLE_STATES)
        .order_by("-article_id")
        .values("article_id")[:within]
    )
    results = []
    for kind, model in MODELS.items():
        others = model.objects.filter(
            mentions__article__in=own_articles, mentions__state__in=VISIBLE_STATES
        )
        if isinstance(entity, model):
            others = others.exclude(pk=entity.pk)
        counted = others.annotate(count=Count("mentions__article", distinct=True)).order_by(
            "-count", "name"
        )[:limit]
        results.extend({"kind": kind, "entity": other, "count": other.count} for other in counted)
    results.sort(key=lambda row: (-row["count"], row["entity"].name))
    return results[:limit]


@dataclass(frozen=True)
class ExpandedQuery:
    """A text query with entity names widened to every spelling the archive knows."""

    query: SearchQuery
    also_searched: tuple[str, ...] = ()


def expand_query(text: str) -> ExpandedQuery:
    """Widen each plain word that names a known entity to all of its names.

    "Kyiv" becomes (Kyiv | Kiev), "Zelensky" (Zelensky | Zelenskiy | "Volodymyr
    Zelenskiy" ...), so an archive that spells a name one way is found by the other.
    Words next to OR, inside phrases or excluded are left as typed: there the reader
    chose the spelling on purpose.
    """
    parts = describe_query(text)
    candidates = [
        part.text
        for i, part in enumerate(parts)
        if part.kind == "word" and not _next_to_or(parts, i) and len(part.text) <= MAX_NAME_LENGTH
    ]
    spellings = _other_spellings(candidates) if candidates else {}
    if not spellings:
        return ExpandedQuery(web_query(text))
    kept = [p for p in parts if not (p.kind == "word" and p.text in spellings)]
    query = web_query(to_text(kept)) if kept else None
    also: list[str] = []
    for word, names in spellings.items():
        group = SearchQuery(word, search_type="plain", config=SEARCH_CONFIG)
        for name in names:
            group |= SearchQuery(name, search_type="phrase", config=SEARCH_CONFIG)
        query = group if query is None else query & group
        also.extend(names)
    return ExpandedQuery(query, tuple(dict.fromkeys(also)))


def _next_to_or(parts, i: int) -> bool:
    return any(0 <= j < len(parts) and parts[j].kind == "or" for j in (i - 1, i + 1))


def _other_spellings(words: list[str]) -> dict[str, list[str]]:
    """For each word that is an entity's name or alias: the entity's other names.

    Runs on every text search, so it asks the indexes only (the GIN index on aliases,
    the index on lower(name)) with the usual capitalisations of each word, then checks
    accent-folded equality here.
    """
    variants = sorted(
        {
            v
            for word in words
            for v in (word, word.lower(), word.capitalize(), word.title(), word.upper())
        }
    )
    lowered = sorted({word.lower() for word in words})
    per_kind = [
        model.objects.alias(lower_name=Lower("name"))
        .filter(Q(aliases__overlap=variants) | Q(lower_name__in=lowered))
        .values_list("name", "aliases")
        for model in MODELS.values()
    ]
    # One round trip for the three kinds: this runs before every text search.
    candidates = per_kind[0].union(*per_kind[1:], all=True)
    found: dict[str, list[str]] = {}
    for name, aliases in candidates:
        all_names = [name, *aliases]
        folded = {fold_name(n) for n in all_names}
        for word in words:
            if fold_name(word) in folded:
                others = [n for n in all_names if fold_name(n) != fold_name(word)]
                found.setdefault(word, [])
                found[word].extend(n for n in others if n not in found[word])
    return {word: names for word, names in found.items() if names}


def fold_name(text: str) -> str:
    """A name compared the way people mean it: case and accents ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
