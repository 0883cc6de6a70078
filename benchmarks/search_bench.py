"""Search benchmark: server time through Django next to the raw SQL floor, same run.

    make bench                       # imports the shared CSV if needed, then measures
    .venv/bin/python benchmarks/search_bench.py --repeat 30

For each query of a fixed mix it times (a) the JSON API and (b) the HTML search page
through Django's test client (routing, forms, ORM, facets, rendering: all but the
socket), and (c) the page's main query as raw SQL through psycopg, and prints p50 / p95
/ max in milliseconds with the Django / SQL ratio. Timings vary with the machine: this
prints them, it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
# Production settings (debug off): debug mode records every query and slows rendering.
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECURE", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-secret")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Article, Person, Place  # noqa: E402


def query_mix() -> list[tuple[str, dict]]:
    """The queries, as request parameters. Filters use the most-mentioned entities."""
    person = Person.objects.with_article_counts().order_by("-article_count").first()
    country = (
        Place.objects.filter(kind="country").with_article_counts().order_by("-article_count")
    ).first()
    first, last = (
        Article.objects.order_by("published_on").values_list("published_on", flat=True)[0],
        Article.objects.order_by("-published_on").values_list("published_on", flat=True)[0],
    )
    middle = first + (last - first) / 2
    mix = [
        ("one word", {"q": "sanctions"}),
        ("phrase", {"q": '"prime minister"'}),
        ("common word", {"q": "said"}),
        ("date range alone", {"date_from": str(middle), "date_to": str(last)}),
    ]
    if country:
        mix.append(
            ("words + country", {"q": "election president", "country": country.country_code})
        )
    if person:
        mix.append(("person alone", {"person": person.slug}))
    return mix


RAW_SQL = {
    # The page's main query at its floor: match, rank, order, limit. No facets, no count.
    "q": """
        SELECT id, title, published_on,
               ts_rank_cd(search_vector, query, 1) AS rank
        FROM articles_article, websearch_to_tsquery('newsdesk_english', %(q)s) AS query
        WHERE search_vector @@ query
        ORDER BY rank DESC, published_on DESC, id DESC LIMIT 20
    """,
    "dates": """
        SELECT id, title, published_on FROM articles_article
        WHERE published_on BETWEEN %(date_from)s AND %(date_to)s
        ORDER BY published_on DESC, id DESC LIMIT 20
    """,
}


def time_call(fn, repeat: int) -> list[float]:
    fn()  # warm: plans, caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    args = parser.parse_args()

    from django.core.management import call_command

    call_command("collectstatic", "--no-input", verbosity=0)  # pages need the manifest
    client = Client(HTTP_HOST="localhost")
    total = Article.objects.count()
    print(f"Archive: {total:,} articles; {args.repeat} runs per query (after one warm-up)")
    header = (
        f"{'query':<18} {'target':<5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'/ SQL p50':>10}"
    )
    print(header)
    print("-" * len(header))
    worst_p95 = 0.0
    for label, params in query_mix():
        sql_key = "q" if "q" in params else ("dates" if "date_from" in params else None)
        sql_p50 = None
        if sql_key:
            with connection.cursor() as cursor:
                sql = RAW_SQL[sql_key]
                sql_samples = time_call(
                    lambda sql=sql, params=params: cursor.execute(sql, params) or cursor.fetchall(),
                    args.repeat,
                )
            sql_p50, sql_p95, sql_max = summary(sql_samples)
            print(f"{label:<18} {'SQL':<5} {sql_p50:8.1f} {sql_p95:8.1f} {sql_max:8.1f} {'':>10}")
        for target, url in (("API", "/api/articles/"), ("HTML", "/search/")):

            def request(url=url, params=params):
                response = client.get(url, params)
                assert response.status_code == 200, (url, params, response.status_code)

            p50, p95, worst = summary(time_call(request, args.repeat))
            worst_p95 = max(worst_p95, p95)
            ratio = f"{p50 / sql_p50:9.1f}x" if sql_p50 else f"{'—':>10}"
            print(f"{label:<18} {target:<5} {p50:8.1f} {p95:8.1f} {worst:8.1f} {ratio}")
    print(f"Done: {len(query_mix())} queries, worst p95 through Django {worst_p95:.1f} ms.")


if __name__ == "__main__":
    main()
