"""manage.py import_archive PATH: load an export_archive file, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.backup import import_archive


class Command(BaseCommand):
    help = (
        "Load a file written by export_archive: entities by slug, articles by their "
        "natural key, tags with their review state. One transaction: all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file written by export_archive.")

    def handle(self, *args, path, **options):
        if not Path(path).exists():
            raise CommandError(f"{path}: no such file")
        try:
            counts = import_archive(Path(path))
        except ValueError as error:
            raise CommandError(f"{error}; nothing was loaded") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {counts['entities']} entities, {counts['articles']} articles and "
                f"{counts['tags']} tags from {path}."
            )
        )
