"""Store tag suggestions: entities resolved or created, mentions written, editors obeyed.

`articles.tagging` (pure Python) reads an article and suggests people, organizations
and places; this module is its database side. Re-tagging is idempotent and never
overrides an editor: a confirmed or rejected tag keeps its state, an editor's own tag
stays, and only the machine's undecided suggestions are refreshed or dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from articles.lookups import fold_name
from articles.models import (
    ENTITY_MODELS,
    TAG_MODELS,
    Article,
    Mention,
    MentionCount,
    Person,
    Place,
    SlugRedirect,
)
from articles.tagging import Suggestion, TaggingText, default_gazetteer, suggest

BATCH_SIZE = 200
TAGGING_FIELDS = ["title", "subtitle", "photo_caption", "body", "authors"]


@dataclass
class TagReport:
    articles: int = 0
    created: int = 0  # new suggestions
    refreshed: int = 0  # suggestions (or decided tags' evidence) that changed
    dropped: int = 0  # undecided suggestions the text no longer supports
    kept_decisions: int = 0  # editor decisions left as they were
    new_entities: int = 0

    def merge(self, other: TagReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        return (
            f"Tagged {self.articles} articles: {self.created} new suggestions, "
            f"{self.refreshed} refreshed, {self.dropped} dropped, {self.kept_decisions} editor "
            f"decisions kept, {self.new_entities} new entities"
        )


def tagging_text(article: Article) -> TaggingText:
    return TaggingText(
        title=article.title,
        body=article.body,
        subtitle=article.subtitle,
        photo_caption=article.photo_caption,
        authors=tuple(article.authors),
    )


def tag_articles(
    article_ids: Iterable[int],
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> TagReport:
    """Suggest and store tags for these articles, a transaction per batch."""
    report = TagReport()
    resolver = EntityResolver()
    ids = list(article_ids)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        articles = list(Article.objects.filter(pk__in=chunk).only(*TAGGING_FIELDS))
        suggested = {article.pk: suggest(tagging_text(article)) for article in articles}
        with transaction.atomic():
            entity_ids = resolver.resolve(
                [s for suggestions in suggested.values() for s in suggestions], report
            )
            _store(suggested, entity_ids, report)
        report.articles += len(articles)
        if on_batch is not None:
            on_batch(len(articles))
    if ids:
        # Every batch journaled its count changes (MentionCount): fold them now, so the
        # pages that read counts sum one row per entity, not one per batch.
        MentionCount.objects.compact()
    return report


def _store(
    suggested: dict[int, list[Suggestion]], entity_ids: dict[str, int], report: TagReport
) -> None:
    for kind, mention_model in TAG_MODELS.items():
        wanted: dict[tuple[int, int], Suggestion] = {}
        for article_id, suggestions in suggested.items():
            for suggestion in suggestions:
                if suggestion.kind == kind and suggestion.key in entity_ids:
                    wanted[(article_id, entity_ids[suggestion.key])] = suggestion
        existing = {
            (m.article_id, m.entity_id): m
            for m in mention_model.objects.filter(article_id__in=list(suggested))
        }
        to_create, to_update, to_delete = [], [], []
        for pair, suggestion in wanted.items():
            mention = existing.get(pair)
            if mention is None:
                to_create.append(
                    mention_model(article_id=pair[0], entity_id=pair[1], **_values(suggestion))
                )
                continue
            if _decided(mention):
                report.kept_decisions += 1
            changed = False
            for name, value in _values(suggestion).items():
                if name in ("origin", "confidence") and _decided(mention):
                    continue  # an editor's decision keeps its own origin and certainty
                if getattr(mention, name) != value:
                    setattr(mention, name, value)
                    changed = True
            if changed:  # most re-tags change nothing: skip those rows entirely
                to_update.append(mention)
        for pair, mention in existing.items():
            if pair not in wanted and not _decided(mention):
                to_delete.append(mention.pk)
        # Another import may tag the same article at the same moment (a rerun next to
        # the original, say): its rows are the same suggestions, so keep theirs.
        mention_model.objects.bulk_create(to_create, ignore_conflicts=True)
        mention_model.objects.bulk_update(
            to_update,
            ["count", "offsets", "evidence", "surface_forms", "role", "origin", "confidence"],
            batch_size=100,
        )
        mention_model.objects.filter(pk__in=to_delete).delete()
        report.created += len(to_create)
        report.refreshed += len(to_update)
        report.dropped += len(to_delete)


def _decided(mention: Mention) -> bool:
    """An editor has spoken: confirmed, rejected, or added it by hand."""
    return mention.state != Mention.State.SUGGESTED or mention.origin == Mention.Origin.EDITOR


def _values(suggestion: Suggestion) -> dict:
    return {
        "count": suggestion.count,
        "offsets": list(suggestion.offsets),
        "evidence": suggestion.evidence[:2000],
        "surface_forms": list(dict.fromkeys(suggestion.aliases_seen))[:20],
        "role": (suggestion.role or "")[:300],
        "origin": suggestion.origin,
        "confidence": round(float(suggestion.confidence), 3),
    }


class EntityResolver:
    """Suggestion keys to entity ids: by gazetteer key, merge redirect, or name; else new.

    Keys are cached for the resolver's life, so a long import asks for each once.
    """

    def __init__(self):
        self.gazetteer = default_gazetteer()
        self.ids: dict[str, int] = {}

    def resolve(self, suggestions: list[Suggestion], report: TagReport) -> dict[str, int]:
        by_key = {s.key: s for s in suggestions if s.key not in self.ids}
        if by_key:
            # Countries first: cities and people point at them.
            countries = {
                f"country:{s.country_code}"
                for s in by_key.values()
                if s.country_code and f"country:{s.country_code}" not in self.ids
            }
            self._resolve_keys(countries, {}, report)
            self._resolve_keys(set(by_key), by_key, report)
        return self.ids

    def _resolve_keys(self, keys: set[str], suggestions: dict, report: TagReport) -> None:
        keys -= set(self.ids)
        for kind, model in ENTITY_MODELS.items():
            wanted = {k for k in keys if _kind_of_key(k, suggestions) == kind}
            if not wanted:
                continue
            found = dict(
                model.objects.filter(gazetteer_key__in=wanted).values_list("gazetteer_key", "pk")
            )
            redirected = dict(
                SlugRedirect.objects.filter(
                    kind=kind, old_gazetteer_key__in=wanted - set(found)
                ).values_list("old_gazetteer_key", "entity_id")
            )
            self.ids.update(found)
            self.ids.update(redirected)
            missing = sorted(wanted - set(found) - set(redirected))
            if missing:
                self._create(model, missing, suggestions, report)

    def _create(self, model, keys: list[str], suggestions: dict, report: TagReport) -> None:
        """Create the entities for `keys` in one statement; one by one if that conflicts.

        A batch of a first import meets hundreds of new names, so this is the hot path:
        existing slugs and same-named entities are fetched in one query each.
        """
        names = {key: self._name(key, suggestions.get(key)) for key in keys}
        same_name = {
            fold_name(entity.name): entity
            for entity in model.objects.filter(
                gazetteer_key__isnull=True, name__in=set(names.values())
            )
        }
        bases = {key: slugify(name)[:280] or model.__name__.lower() for key, name in names.items()}
        taken = set(
            model.objects.filter(slug__in=set(bases.values())).values_list("slug", flat=True)
        )
        new, slow = [], []
        for key in keys:
            if fold_name(names[key]) in same_name or bases[key] in taken:
                slow.append(key)  # adopt the hand-made entity, or find a free slug
                continue
            taken.add(bases[key])
            fields = self._fields(model, key, self.gazetteer.get(key), suggestions.get(key))
            new.append(model(name=names[key], slug=bases[key], gazetteer_key=key, **fields))
        try:
            with transaction.atomic():
                model.objects.bulk_create(new)
        except IntegrityError:  # another import got there first: go one by one
            slow.extend(entity.gazetteer_key for entity in new)
            new = []
        for entity in new:
            self.ids[entity.gazetteer_key] = entity.pk
        report.new_entities += len(new)
        for key in slow:
            self.ids[key] = self._find_or_create(model, key, suggestions.get(key), report)

    def _name(self, key: str, suggestion) -> str:
        entry = self.gazetteer.get(key)
        return entry.name if entry else suggestion.name

    def _find_or_create(self, model, key: str, suggestion, report: TagReport) -> int:
        entry = self.gazetteer.get(key)
        name = entry.name if entry else suggestion.name
        # An entity an editor made by hand (or a rule found before) under the same name.
        same_name = model.objects.filter(gazetteer_key__isnull=True, name__iexact=name).first()
        if same_name is not None:
            same_name.gazetteer_key = key
            same_name.save(update_fields=["gazetteer_key"])
            return same_name.pk
        fields = self._fields(model, key, entry, suggestion)
        entity = model(name=name, gazetteer_key=key, **fields)
        entity.slug = model.unique_slug(name)
        try:
            with transaction.atomic():
                entity.save()
        except IntegrityError:  # another import created it meanwhile
            existing = model.objects.filter(gazetteer_key=key).first()
            if existing is None:
                raise
            return existing.pk
        report.new_entities += 1
        return entity.pk

    def _fields(self, model, key: str, entry, suggestion) -> dict:
        aliases = list(entry.aliases) if entry else []
        if suggestion is not None:
            aliases += suggestion.aliases_seen  # the name itself is dropped just below
        name = entry.name if entry else suggestion.name
        aliases = list(dict.fromkeys(a for a in aliases if fold_name(a) != fold_name(name)))[:50]
        country_code = (entry.country_code if entry else suggestion.country_code) or ""
        country_id = self.ids.get(f"country:{country_code}") if country_code else None
        if model is Place:
            place_kind = (entry.place_kind if entry else suggestion.place_kind) or "other"
            return {
                "aliases": aliases,
                "kind": place_kind,
                "country_code": country_code,
                "country_id": None if place_kind == "country" else country_id,
            }
        if model is Person:
            role = (entry.role if entry else "") or (suggestion.role if suggestion else "")
            return {"aliases": aliases, "role": role[:300], "country_id": country_id}
        kind = (entry.org_kind if entry else "") or ""
        return {"aliases": aliases, "kind": kind[:100], "country_id": country_id}


def _kind_of_key(key: str, suggestions: dict) -> str:
    if key in suggestions:
        return suggestions[key].kind
    prefix = key.split(":", 1)[0]
    return {"country": "place", "place": "place", "org": "organization"}.get(prefix, "person")
