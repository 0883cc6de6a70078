"""manage.py import_articles PATH [PATH ...]: load text exports, CSV and JSON Lines."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError
from tqdm import tqdm

from articles import loader
from articles.importing import ParseError, iter_records


class Command(BaseCommand):
    help = (
        "Import news articles from files, folders (recursively) and glob patterns: "
        "text exports (.txt), CSV (.csv) and JSON Lines (.jsonl). Re-importing is safe: "
        "unchanged articles are left alone and corrected ones updated, keeping their tags."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="A file, a folder (searched recursively) or a glob pattern such as 'data/*.csv'.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse and validate everything and report what would change; write nothing.",
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=settings.NEWSDESK_IMPORT_MAX_BYTES,
            help="Refuse files larger than this many bytes (default: %(default)s).",
        )
        parser.add_argument(
            "--no-tagging",
            action="store_true",
            help="Import without suggesting tags (run `manage.py retag` later).",
        )
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="Hide the progress bar (it is shown only on a terminal anyway).",
        )

    def handle(self, *args, paths, dry_run, max_bytes, no_progress, no_tagging, **options):
        records = iter_records(paths, max_bytes=max_bytes)
        # tqdm disables itself when stderr is not a terminal (disable=None).
        progress = tqdm(
            unit=" articles",
            desc="Importing",
            disable=True if no_progress else None,
            file=sys.stderr,
            dynamic_ncols=True,
        )

        def on_record(record):
            progress.update(1)
            if isinstance(record, ParseError):
                progress.write(self.style.ERROR(f"error: {record}"), file=self.stderr._out)

        try:
            with progress:
                report = loader.load(
                    records, dry_run=dry_run, tag=not no_tagging, on_record=on_record
                )
        except (OperationalError, InterfaceError) as error:
            # The server went away (restart, network, terminated backend). Every batch
            # that committed is whole, and a rerun skips what is already in.
            raise CommandError(
                f"lost the database connection after {progress.n} records "
                f"({str(error).strip().splitlines()[0]}); the articles written so far are "
                "kept whole: run the same import again to finish it.",
                returncode=1,
            ) from error
        for failure in report.tagging_failures:
            self.stderr.write(self.style.WARNING(f"warning: {failure}"))

        summary = report.summary(dry_run=dry_run)
        if report.failed:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(
                f"{report.failed} record(s) could not be imported (listed above); "
                "the others were imported."
                if not dry_run
                else f"{report.failed} record(s) would fail (listed above).",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(summary))
