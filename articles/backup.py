"""Export the whole archive, tags and editors' decisions included, and load it back.

The file is JSON Lines: first every entity (people, organizations, places, countries
first so that places can point at them), then every article with its tags. Loading is
idempotent: entities are matched by slug, articles by their natural key, tags by
(article, entity). A round trip gives back the same archive (tests/test_backup.py).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from articles.loader import IMPORTED_FIELDS
from articles.models import ENTITY_MODELS, TAG_MODELS, Article, MentionCount, Place

FORMAT_VERSION = 1
TAG_FIELDS = [
    "state",
    "origin",
    "confidence",
    "count",
    "offsets",
    "evidence",
    "surface_forms",
    "role",
]


def _open(path: Path, mode: str):
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")
    return path.open(mode, encoding="utf-8")


def export_lines() -> Iterator[dict]:
    yield {"type": "newsdesk-archive", "version": FORMAT_VERSION}
    countries_first = Place.objects.order_by("-kind", "pk").select_related("country")
    for place in countries_first.filter(kind="country").iterator():
        yield _entity("place", place)
    for place in countries_first.exclude(kind="country").iterator():
        yield _entity("place", place)
    for kind in ("person", "organization"):
        for entity in ENTITY_MODELS[kind].objects.select_related("country").iterator():
            yield _entity(kind, entity)
    usernames = dict(get_user_model().objects.values_list("pk", "username"))
    for article in Article.objects.order_by("pk").iterator(chunk_size=500):
        record = {"type": "article", "key": article.key}
        for name in IMPORTED_FIELDS:
            value = getattr(article, name)
            record[name] = value.isoformat() if hasattr(value, "isoformat") else value
        record["tags"] = [
            {
                "kind": kind,
                "entity": tag.entity.slug,
                "reviewed_by": usernames.get(tag.reviewed_by_id),
                "reviewed_at": tag.reviewed_at.isoformat() if tag.reviewed_at else None,
                **{name: getattr(tag, name) for name in TAG_FIELDS},
            }
            for kind, model in TAG_MODELS.items()
            for tag in model.objects.filter(article=article).select_related("entity")
        ]
        yield record


def _entity(kind: str, entity) -> dict:
    record = {
        "type": kind,
        "name": entity.name,
        "slug": entity.slug,
        "aliases": entity.aliases,
        "gazetteer_key": entity.gazetteer_key,
        "country": entity.country.slug if entity.country else None,
    }
    if kind == "place":
        record.update(kind=entity.kind, country_code=entity.country_code)
    elif kind == "person":
        record["role"] = entity.role
    else:
        record["kind"] = entity.kind
    return record


def export_archive(path: Path) -> int:
    """Write the archive to `path` (.jsonl, or .jsonl.gz); returns the lines written."""
    written = 0
    with _open(path, "w") as out:
        for record in export_lines():
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return written


@transaction.atomic
def import_archive(path: Path) -> dict[str, int]:
    """Load an export: all of it or, on any error, nothing (one transaction)."""
    counts = {"entities": 0, "articles": 0, "tags": 0}
    users = {u.username: u for u in get_user_model().objects.all()}
    with _open(path, "r") as lines:
        header = json.loads(next(lines))
        if header.get("type") != "newsdesk-archive":
            raise ValueError(f"{path}: not a Newsdesk archive export")
        for number, line in enumerate(lines, start=2):
            try:
                record = json.loads(line)
                kind = record.pop("type")
                if kind == "article":
                    counts["tags"] += _load_article(record, users)
                    counts["articles"] += 1
                else:
                    _load_entity(kind, record)
                    counts["entities"] += 1
            except Exception as error:
                raise ValueError(f"{path}:{number}: {error}") from error
    # Each article's tags journaled their counts apart: one row per entity again.
    MentionCount.objects.compact()
    return counts


def _load_entity(kind: str, record: dict) -> None:
    model = ENTITY_MODELS[kind]
    country_slug = record.pop("country")
    country = Place.objects.get(slug=country_slug) if country_slug else None
    model.objects.update_or_create(slug=record.pop("slug"), defaults={**record, "country": country})


def _load_article(record: dict, users: dict) -> int:
    tags = record.pop("tags")
    article, _ = Article.objects.update_or_create(key=record.pop("key"), defaults=record)
    for tag in tags:
        kind = tag.pop("kind")
        entity = ENTITY_MODELS[kind].objects.get(slug=tag.pop("entity"))
        reviewer = users.get(tag.pop("reviewed_by") or "")
        TAG_MODELS[kind].objects.update_or_create(
            article=article, entity=entity, defaults={**tag, "reviewed_by": reviewer}
        )
    return len(tags)
