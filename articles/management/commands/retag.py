"""manage.py retag: suggest tags again for a selection of articles."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.models import Article
from articles.tag_store import tag_articles


class Command(BaseCommand):
    help = (
        "Suggest tags again for the selected articles (all, by default). Editors' "
        "decisions are kept: confirmed and rejected tags and tags added by hand stay "
        "as they are; only undecided suggestions are refreshed or dropped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ids", nargs="+", type=int, help="Only these article ids.")
        parser.add_argument("--source", help="Only articles of this source publication.")
        parser.add_argument("--since", help="Only articles published on or after YYYY-MM-DD.")
        parser.add_argument("--until", help="Only articles published on or before YYYY-MM-DD.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, ids, source, since, until, no_progress, **options):
        articles = Article.objects.all()
        try:
            if ids:
                articles = articles.filter(pk__in=ids)
            if source:
                articles = articles.filter(source=source)
            if since:
                articles = articles.filter(published_on__gte=since)
            if until:
                articles = articles.filter(published_on__lte=until)
            selected = list(articles.order_by("pk").values_list("pk", flat=True))
        except Exception as error:  # a malformed date, say
            raise CommandError(f"Bad selection: {error}") from error
        with tqdm(
            total=len(selected),
            unit=" articles",
            desc="Tagging",
            file=sys.stderr,
            disable=True if no_progress else None,
        ) as progress:
            report = tag_articles(selected, on_batch=progress.update)
        self.stdout.write(self.style.SUCCESS(report.summary()))
