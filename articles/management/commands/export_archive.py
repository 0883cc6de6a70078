"""manage.py export_archive PATH: the whole archive, with tags, as JSON Lines."""

from pathlib import Path

from django.core.management.base import BaseCommand

from articles.backup import export_archive


class Command(BaseCommand):
    help = (
        "Write every entity and article, with tags and editors' decisions, to PATH "
        "(.jsonl, or .jsonl.gz to compress). Load it back with import_archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Output file, e.g. archive-2026-11-25.jsonl.gz")

    def handle(self, *args, path, **options):
        lines = export_archive(Path(path))
        self.stdout.write(self.style.SUCCESS(f"Exported {lines} lines to {path}."))
