"""manage.py tagging_quality: precision and recall of tag suggestions on a labeled set."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.tagging.quality import evaluate

GOLD = Path(settings.BASE_DIR) / "tests" / "fixtures" / "tagging_gold.jsonl"


class Command(BaseCommand):
    help = (
        "Compare the tagger's suggestions with a labeled gold set of real articles and "
        "print precision and recall per kind (people, organizations, countries)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--gold", default=str(GOLD), help="Labeled JSON Lines file (default: %(default)s)."
        )
        parser.add_argument(
            "--errors", action="store_true", help="Also list each false positive and miss."
        )

    def handle(self, *args, gold, errors, **options):
        path = Path(gold)
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        with path.open(encoding="utf-8") as lines:
            records = [json.loads(line) for line in lines if line.strip()]
        scores = evaluate(records)
        self.stdout.write(
            f"{'kind':<14} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>4} {'fn':>4}"
        )
        for kind, score in scores.items():
            self.stdout.write(
                f"{kind:<14} {score.precision:9.3f} {score.recall:7.3f} "
                f"{score.tp:5d} {score.fp:4d} {score.fn:4d}"
            )
            if errors:
                for article_id, name, what in score.errors:
                    self.stdout.write(f"    {what} {name!r} in article {article_id}")
        worst = min(scores.items(), key=lambda item: item[1].precision + item[1].recall)
        self.stdout.write(
            self.style.SUCCESS(
                f"Evaluated {len(records)} labeled articles; weakest kind: {worst[0]} "
                f"(precision {worst[1].precision:.2f}, recall {worst[1].recall:.2f})."
            )
        )
