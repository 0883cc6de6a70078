"""manage.py build_bench_corpus --articles N: a reproducible corpus for benchmarks."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from benchmarks import corpus


class Command(BaseCommand):
    help = (
        "Build a reproducible benchmark corpus from ../shared/corpus: real Reuters "
        "headlines and dates, bodies from real sentences, gazetteer tags at realistic "
        "density. Loaded with COPY; its keys start with 'bench:'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles", type=int, required=True, help="How many articles to build."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed (default: %(default)s)."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=(
                "Delete an earlier benchmark corpus (keys 'bench:...') first. The freed space "
                "is reused, not returned: sizes after a replace include it."
            ),
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="If a benchmark corpus of exactly this size is loaded, keep it (make bench).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, articles, seed, replace, reuse, no_progress, **options):
        if articles < 1:
            raise CommandError("--articles must be at least 1.")
        for name in (corpus.HEADLINES_FILE, corpus.ARTICLES_FILE):
            if not (corpus.SHARED_CORPUS / name).exists():
                raise CommandError(
                    f"{corpus.SHARED_CORPUS / name} is missing: the benchmark corpus is "
                    "built from the shared corpus (../shared/corpus next to the project)."
                )
        with connection.cursor() as cursor:
            existing = corpus.bench_rows(cursor)
        if reuse and existing == articles:
            self.stdout.write(f"Kept the {existing:,} benchmark articles already loaded.")
            return
        if existing and not replace:
            raise CommandError(
                f"{existing:,} benchmark articles are already loaded; pass --replace."
            )
        progress = tqdm(
            total=articles,
            unit=" articles",
            desc="Building",
            disable=True if no_progress else None,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        with progress:
            report = corpus.build(articles, seed=seed, replace=replace, on_chunk=progress.update)
        if report.deleted and options["verbosity"] >= 1:
            self.stdout.write(f"Deleted {report.deleted:,} earlier benchmark articles.")
        self.stdout.write(self.style.SUCCESS(report.summary()))
