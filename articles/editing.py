"""What editors do to tags and entities: review, merge, split. Each is one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import (
    ENTITY_MODELS,
    EntityMerge,
    Mention,
    Place,
    SlugRedirect,
)

KIND_OF_MODEL = {model: kind for kind, model in ENTITY_MODELS.items()}

# When two mentions of one article meet in a merge, the editor's word wins over the
# machine's, and a confirmation over a rejection (the editor confirmed one spelling).
STATE_STRENGTH = {
    Mention.State.SUGGESTED: 0,
    Mention.State.REJECTED: 1,
    Mention.State.CONFIRMED: 2,
}


def review(mentions: QuerySet, state: str, *, user) -> int:
    """Set the state of `mentions` as an editor's decision; returns how many changed."""
    return mentions.exclude(state=state).update(
        state=state, reviewed_by=user, reviewed_at=timezone.now()
    )


@transaction.atomic
def merge_entities(survivor, merged: Iterable, *, user=None) -> list[EntityMerge]:
    """Fold each of `merged` into `survivor`: mentions, aliases, slug and gazetteer key.

    Readers who follow an old link are redirected (SlugRedirect), and future tagging of
    the old gazetteer key lands on the survivor too.
    """
    model = type(survivor)
    kind = KIND_OF_MODEL[model]
    mention_model = survivor.mentions.model
    records = []
    for other in merged:
        if other.pk == survivor.pk:
            continue
        if type(other) is not model:
            raise ValueError(f"cannot merge a {type(other).__name__} into a {model.__name__}")
        moved = _move_mentions(mention_model, other, survivor)
        new_aliases = [
            name
            for name in [other.name, *other.aliases]
            if name.casefold() not in {n.casefold() for n in survivor.all_names}
        ]
        survivor.aliases = [*survivor.aliases, *new_aliases]
        if not survivor.gazetteer_key and other.gazetteer_key:
            survivor.gazetteer_key, other.gazetteer_key = other.gazetteer_key, None
            other.save(update_fields=["gazetteer_key"])
        SlugRedirect.objects.filter(kind=kind, entity_id=other.pk).update(entity_id=survivor.pk)
        SlugRedirect.objects.update_or_create(
            kind=kind,
            old_slug=other.slug,
            defaults={"entity_id": survivor.pk, "old_gazetteer_key": other.gazetteer_key or ""},
        )
        records.append(
            EntityMerge.objects.create(
                kind=kind,
                merged_name=other.name,
                merged_slug=other.slug,
                survivor_id=survivor.pk,
                survivor_name=survivor.name,
                mentions_moved=moved,
                aliases_moved=new_aliases,
                merged_by=user,
            )
        )
        other.delete()
    survivor.save()
    return records


def _move_mentions(mention_model, source, target) -> int:
    target_by_article = {m.article_id: m for m in mention_model.objects.filter(entity=target)}
    moved = 0
    for mention in mention_model.objects.filter(entity=source):
        existing = target_by_article.get(mention.article_id)
        if existing is None:
            mention.entity = target
            mention.save(update_fields=["entity"])
        else:
            _combine(existing, mention)
            mention.delete()
        moved += 1
    return moved


def _combine(kept: Mention, other: Mention) -> None:
    if STATE_STRENGTH[other.state] > STATE_STRENGTH[kept.state]:
        kept.state, kept.reviewed_by_id, kept.reviewed_at = (
            other.state,
            other.reviewed_by_id,
            other.reviewed_at,
        )
    kept.count += other.count
    kept.offsets = sorted({*kept.offsets, *other.offsets})
    kept.surface_forms = sorted({*kept.surface_forms, *other.surface_forms})
    kept.evidence = kept.evidence or other.evidence
    kept.save()


@transaction.atomic
def split_alias(entity, alias: str, *, user=None):
    """Undo a wrong merge for one name: `alias` becomes an entity of its own again.

    Mentions whose text only ever wrote that name move to the new entity.
    """
    if alias not in entity.aliases:
        raise ValueError(f"{alias!r} is not an alias of {entity.name}")
    model = type(entity)
    entity.aliases = [a for a in entity.aliases if a != alias]
    entity.save(update_fields=["aliases"])
    extra = {}
    if model is Place:
        extra = {"kind": entity.kind, "country_code": entity.country_code}
    new_entity = model.objects.create(name=alias, **extra)
    mention_model = entity.mentions.model
    to_move = [
        m.pk
        for m in mention_model.objects.filter(entity=entity)
        if m.surface_forms and {f.casefold() for f in m.surface_forms} == {alias.casefold()}
    ]
    mention_model.objects.filter(pk__in=to_move).update(entity=new_entity)
    return new_entity


def redirect_for(model, slug: str):
    """The entity an old (merged) slug now stands for, or None."""
    redirect = SlugRedirect.objects.filter(kind=KIND_OF_MODEL[model], old_slug=slug).first()
    if redirect is None:
        return None
    return model.objects.filter(pk=redirect.entity_id).first()
