"""Finding entities by name: aliases, accents folded, and trigram similarity (pg_trgm).

"zelensky" finds Volodymyr Zelenskiy through an alias, "kyiv" finds Kiev, and "lavrof"
finds Sergei Lavrov because its trigrams are close enough to "lavrov".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.lookups import Unaccent
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

from articles.models import Organization, Person, Place
from articles.querysets import VISIBLE_STATES

# word_similarity() at or above this counts as a match: it lets one wrong letter in a
# six-letter surname through ("lavrof") but not unrelated names.
SIMILARITY_THRESHOLD = 0.5
MAX_NAME_LENGTH = 100

MODELS = {"person": Person, "organization": Organization, "place": Place}


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


def co_mentioned(entity, *, limit: int = 10) -> list[dict]:
    """Who and what appears most often in the same articles as `entity`, with counts."""
    own_articles = entity.mentions.filter(state__in=VISIBLE_STATES).values("article")
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
