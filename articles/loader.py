"""Write parsed articles to the archive: idempotent, and each article whole or not at all.

The parser (`articles.importing`) turns files into `ParsedArticle` records or
`ParseError`s; this module upserts the records by their natural key. Records are written
in batches for speed, one transaction per batch; if a batch fails in the database it is
retried one article per savepoint, so a single bad record fails alone and the rest land.

Re-importing a record whose content hash is unchanged writes nothing. A changed record
updates the article's own fields only: the mentions (tags) an editor confirmed, rejected
or added live in their own tables and are left as they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import DatabaseError, models, transaction
from django.db.models import Exists, OuterRef

from articles.importing import ParsedArticle, ParseError
from articles.importing.sources import source_name
from articles.models import Article
from articles.tag_store import TagReport, tag_articles

BATCH_SIZE = 500

# Every field an import writes; an update rewrites exactly these.
IMPORTED_FIELDS = [
    "url",
    "title",
    "subtitle",
    "byline",
    "authors",
    "agency",
    "source",
    "source_domain",
    "published_on",
    "published_time",
    "dateline",
    "blocks",
    "body",
    "photo_caption",
    "photo_credit",
    "related",
    "language",
    "external_id",
    "content_hash",
]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ParseError] = field(default_factory=list)
    written_ids: list[int] = field(default_factory=list)  # created or updated articles
    tags: TagReport = field(default_factory=TagReport)
    tagging_failures: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        """Articles per second over the whole run (failures included: they were read)."""
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    def summary(self, *, dry_run: bool = False) -> str:
        verb = "Would import" if dry_run else "Imported"
        tags = f"; {self.tags.created} tag suggestions" if self.tags.articles else ""
        return (
            f"{verb} {self.processed} records: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed{tags} "
            f"in {self.seconds:.1f} s ({self.rate:.0f} articles/s)"
        )


def article_values(record: ParsedArticle) -> dict:
    """The Article field values an import writes for `record`."""
    return {
        "url": record.url,
        "title": record.title,
        "subtitle": record.subtitle,
        "byline": record.byline,
        "authors": list(record.authors),
        "agency": record.agency,
        "source": source_name(record.url) if record.url else "",
        "source_domain": _domain(record.url),
        "published_on": record.published_on,
        "published_time": record.published_time,
        "dateline": record.dateline,
        "blocks": [{"kind": block.kind, "text": block.text} for block in record.blocks],
        "body": record.body,
        "photo_caption": record.photo_caption,
        "photo_credit": record.photo_credit,
        "related": [{"title": ref.title, "url": ref.url} for ref in record.related],
        "language": record.language,
        "external_id": record.external_id,
        "content_hash": record.content_hash,
    }


def load(
    records: Iterable[ParsedArticle | ParseError],
    *,
    dry_run: bool = False,
    tag: bool = True,
    on_record: Callable[[ParsedArticle | ParseError], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Upsert `records` into the archive and report what happened to each.

    With `tag`, each written batch then gets its tag suggestions (editors' decisions
    are kept; see articles.tag_store).
    """
    report = ImportReport()
    for batch in _batches(records, batch_size, report, on_record):
        written_before = len(report.written_ids)
        _load_batch(batch, report, dry_run=dry_run)
        if tag and not dry_run:
            written = report.written_ids[written_before:]
            _tag([*written, *_never_tagged(batch, exclude=written)], report)
    report.finished = time.monotonic()
    return report


def _never_tagged(batch: list[ParsedArticle], *, exclude: list[int]) -> list[int]:
    """Articles of this batch already in the archive but without a single tag.

    An import killed between writing a batch and tagging it leaves such articles; the
    rerun finds them unchanged, and would otherwise never tag them.
    """
    from articles.models import OrganizationMention, PersonMention, PlaceMention

    any_tag = [
        Exists(model.objects.filter(article=OuterRef("pk")))
        for model in (PersonMention, OrganizationMention, PlaceMention)
    ]
    return list(
        Article.objects.filter(key__in=[record.natural_key for record in batch])
        .exclude(pk__in=exclude)
        .exclude(any_tag[0] | any_tag[1] | any_tag[2])
        .values_list("pk", flat=True)
    )


def _tag(article_ids: list[int], report: ImportReport) -> None:
    if not article_ids:
        return
    try:
        report.tags.merge(tag_articles(article_ids))
    except Exception as error:  # the articles are in; their tags can be redone
        report.tagging_failures.append(
            f"tagging {len(article_ids)} articles failed ({error!r}); "
            "they are imported: run `manage.py retag` to tag them"
        )


def _batches(
    records: Iterable[ParsedArticle | ParseError],
    size: int,
    report: ImportReport,
    on_record: Callable | None,
) -> Iterator[list[ParsedArticle]]:
    """Group valid records into batches of unique keys; collect errors on the way.

    A key seen twice in one batch closes the batch first, so the second copy is compared
    with what the first one wrote, exactly as if it came in a later import.
    """
    batch: dict[str, ParsedArticle] = {}
    for record in records:
        if on_record is not None:
            on_record(record)
        if isinstance(record, ParseError):
            report.errors.append(record)
            continue
        problem = _validate(record)
        if problem:
            report.errors.append(ParseError(record.source_path, record.source_line, problem))
            continue
        if record.natural_key in batch or len(batch) >= size:
            yield list(batch.values())
            batch = {}
        batch[record.natural_key] = record
    if batch:
        yield list(batch.values())


def _load_batch(batch: list[ParsedArticle], report: ImportReport, *, dry_run: bool) -> None:
    existing = dict(
        Article.objects.filter(key__in=[r.natural_key for r in batch]).values_list(
            "key", "content_hash"
        )
    )
    new = [r for r in batch if r.natural_key not in existing]
    changed = [
        r for r in batch if r.natural_key in existing and existing[r.natural_key] != r.content_hash
    ]
    unchanged = len(batch) - len(new) - len(changed)
    if dry_run:
        report.created += len(new)
        report.updated += len(changed)
        report.unchanged += unchanged
        return
    try:
        with transaction.atomic():
            ids = _write(new, changed)
    except DatabaseError:
        # Something in the batch broke a constraint (or another import raced us):
        # write one article at a time so only the culprit fails.
        for record in new + changed:
            _load_one(record, report)
        report.unchanged += unchanged
        return
    report.created += len(new)
    report.updated += len(changed)
    report.unchanged += unchanged
    report.written_ids.extend(ids)


def _write(new: list[ParsedArticle], changed: list[ParsedArticle]) -> list[int]:
    created = Article.objects.bulk_create(
        [Article(key=r.natural_key, **article_values(r)) for r in new]
    )
    ids = [article.pk for article in created]
    if changed:
        by_key = {r.natural_key: r for r in changed}
        articles = list(Article.objects.select_for_update().filter(key__in=by_key))
        for article in articles:
            for name, value in article_values(by_key[article.key]).items():
                setattr(article, name, value)
        Article.objects.bulk_update(articles, [*IMPORTED_FIELDS, "updated_at"])
        ids.extend(article.pk for article in articles)
    return ids


def _load_one(record: ParsedArticle, report: ImportReport) -> None:
    try:
        with transaction.atomic():
            article, created = Article.objects.select_for_update().get_or_create(
                key=record.natural_key, defaults=article_values(record)
            )
            if created:
                report.created += 1
            elif article.content_hash == record.content_hash:
                report.unchanged += 1
                return
            else:
                for name, value in article_values(record).items():
                    setattr(article, name, value)
                article.save()
                report.updated += 1
            report.written_ids.append(article.pk)
    except DatabaseError as error:
        reason = f"database refused the article: {str(error).splitlines()[0]}"
        report.errors.append(ParseError(record.source_path, record.source_line, reason))


def _validate(record: ParsedArticle) -> str:
    """Check what the database would refuse, so that it fails with a clear reason."""
    values = article_values(record)
    for name, value in values.items():
        model_field = Article._meta.get_field(name)
        limit = getattr(model_field, "max_length", None)
        if isinstance(model_field, models.CharField) and limit and value and len(value) > limit:
            return f"{name} is {len(value)} characters, over the {limit}-character limit"
    if len(record.natural_key) > Article._meta.get_field("key").max_length:
        return "URL too long"
    for text in (record.title, record.body, record.subtitle):
        if "\x00" in text:
            return "text contains NUL bytes"
    return ""


def _domain(url: str) -> str:
    host = urlsplit(url).hostname or "" if url else ""
    return host.removeprefix("www.")
